/**
 * Students' submissions:
 *   POST /api/submissions        multipart checkpoint, max_lr, spend_usd → 202 {id} (200 for a duplicate)
 *   GET  /api/submissions        own submissions
 *   GET  /api/submissions/:id    own (or, for an admin, any): status and metrics
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import {
  type CheckpointHeader,
  CourseError,
  checkArchitecture,
  checkpointFileBytes,
  gpt2Config,
  InputError,
  readCheckpointHeader,
} from '@course/models';
import { Ajv } from 'ajv';
import express, { type Request, type Response } from 'express';
import multer from 'multer';
import type { LeaderboardConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { sha256FileStream } from '../heldout.js';
import { HttpError, tooLarge } from '../http-error.js';
import { checkpointPath, uploadDirOf } from '../paths.js';
import type { Student, SubmissionRow } from '../store.js';
import { partFileStorage } from '../upload-storage.js';
import { findNonFiniteWeight, nonFiniteWeightMessage } from '../weights.js';

/** Bytes of an accepted checkpoint of the required architecture: [bf16 v5 size, fp32 v3 size]. */
export function acceptedCheckpointBytes(config: LeaderboardConfig): { v5: number; v3: number } {
  const arch = gpt2Config({
    depth: config.architecture.depth,
    channels: config.architecture.channels,
    heads: config.architecture.heads,
    maxSeqLen: config.architecture.maxSeqLen,
    vocabSize: config.architecture.vocabSize,
  });
  return { v5: checkpointFileBytes(arch, 5), v3: checkpointFileBytes(arch, 3) };
}

/** The next UTC midnight after `now` (when a new day's submissions open). */
export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

function startOfUtcDay(now: number): number {
  return nextUtcMidnight(now) - 86_400_000;
}

const ajv = new Ajv({ allErrors: true });

/** Form fields arrive as strings; they are parsed strictly (no "" → 0), then checked by the schema. */
const validateSubmissionFields = ajv.compile({
  type: 'object',
  required: ['max_lr', 'spend_usd'],
  properties: {
    max_lr: { type: 'number', exclusiveMinimum: 0 },
    spend_usd: { type: 'number', minimum: 0 },
  },
});

/** "max_lr: must be > 0 (found -1)", from ajv's errors on the submission fields. */
function describeFieldErrors(raw: Record<string, unknown>): string {
  const messages = (validateSubmissionFields.errors ?? []).map((e) => {
    if (e.keyword === 'required') {
      const field = (e.params as { missingProperty: string }).missingProperty;
      return `${field}: missing (expected ${field === 'max_lr' ? 'a number > 0' : 'a number ≥ 0 (USD)'})`;
    }
    const field = e.instancePath.slice(1);
    return `${field}: ${e.message} (found ${JSON.stringify(raw[field])})`;
  });
  return messages.join('; ');
}

/** A strict decimal number, or the original string (so the schema reports "must be number"). */
function parseNumberField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return value;
  return Number(trimmed);
}

function checkDailyLimit(ctx: AppContext, student: Student): void {
  const now = ctx.store.now();
  const used = ctx.store.countedSubmissionsSince(student.id, startOfUtcDay(now));
  if (used >= ctx.config.dailyLimit) {
    const opens = nextUtcMidnight(now);
    throw new HttpError(
      429,
      `daily limit reached: ${used} of ${ctx.config.dailyLimit} submissions today (UTC); the next slot opens at ${new Date(opens).toISOString()} (failed evaluations do not count)`,
      { 'Retry-After': String(Math.ceil((opens - now) / 1000)) },
    );
  }
}

/** The header of an uploaded checkpoint that fits the class rules; a 400 naming the field otherwise. */
function checkHeader(ctx: AppContext, path: string, name: string): CheckpointHeader {
  try {
    const header = readCheckpointHeader(path);
    checkArchitecture(header, ctx.config.architecture, path);
    if (header.config.maxSeqLen < ctx.config.evaluation.T) {
      throw new InputError(
        `${path}: header[2] max_seq_len: found ${header.config.maxSeqLen}, expected at least ${ctx.config.evaluation.T} (the evaluation's sequence length)`,
      );
    }
    return header;
  } catch (err) {
    if (err instanceof CourseError) throw new HttpError(400, err.message.replaceAll(path, name));
    throw err;
  }
}

/** The multer limits: one file no larger than an fp32 checkpoint, a few short fields. */
function uploadLimits(ctx: AppContext): multer.Options['limits'] {
  return { fileSize: ctx.maxUploadBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 };
}

/**
 * After an early answer to an upload still arriving: the rest is read and dropped for a moment (so a
 * client that stops sending reads the answer instead of a connection reset), then, if it keeps
 * coming, the connection is closed.
 */
function lingerThenClose(req: Request, res: Response, ms = 2000): void {
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => req.socket?.destroy(), ms);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
  });
}

/**
 * Reads the multipart body into req.body and req.file (`uploads/<random>.part`). A file over the
 * limit is refused the moment it crosses it (the client may still be sending, see lingerThenClose). A body busboy cannot parse is the client's error (400); a storage
 * error (disk full) stays ours (500).
 */
async function readMultipart(ctx: AppContext, req: Request, res: Response): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const tooLargeNow = () => {
      reject(tooLarge(ctx.maxUploadBytes, ctx.config));
      lingerThenClose(req, res);
    };
    const upload = multer({
      storage: partFileStorage(uploadDirOf(ctx.dataDir), tooLargeNow),
      limits: uploadLimits(ctx),
    });
    upload.single('checkpoint')(req, res, (err: unknown) => {
      if (!err) resolve();
      else if (err instanceof multer.MulterError || (err as NodeJS.ErrnoException).code) reject(err);
      else {
        reject(
          new HttpError(
            400,
            `multipart upload: malformed body (${(err as Error).message}); expected multipart/form-data with a file field "checkpoint"`,
          ),
        );
      }
    });
  });
}

/**
 * POST /api/submissions: the upload, read to a temporary file, checked
 * (fields, header, every weight finite), stored once under its sha256 and queued for evaluation.
 * The temporary file is always removed.
 */
export async function receiveUpload(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { store, config, log } = ctx;
  const student = ctx.requireStudent(req);
  // Once private scores are visible, a new submission could be tuned on them: the competition is over.
  if (ctx.privateRevealed()) {
    throw new HttpError(
      403,
      `submissions are closed: the private board is revealed${config.deadline ? ` (deadline ${config.deadline})` : ''}`,
    );
  }
  checkDailyLimit(ctx, student);
  // Refuse an oversized body before reading it (multipart adds a few hundred bytes of framing).
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > ctx.maxUploadBytes + 64 * 1024) throw tooLarge(ctx.maxUploadBytes, config);
  await readMultipart(ctx, req, res);
  const file = req.file;
  try {
    if (!file) throw new HttpError(400, 'checkpoint: missing (expected a multipart file field "checkpoint")');
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const fields = { max_lr: parseNumberField(raw.max_lr), spend_usd: parseNumberField(raw.spend_usd) };
    if (!validateSubmissionFields(fields)) throw new HttpError(400, describeFieldErrors(raw));
    const { max_lr: maxLr, spend_usd: spendUsd } = fields as { max_lr: number; spend_usd: number };
    const name = `checkpoint "${file.originalname}"`;
    const header = checkHeader(ctx, file.path, name);
    const nonFinite = await findNonFiniteWeight(file.path, header);
    if (nonFinite) throw new HttpError(400, nonFiniteWeightMessage(name, nonFinite));
    const sha256 = await sha256FileStream(file.path);
    const duplicate = store.findDuplicate(student.id, sha256);
    if (duplicate) {
      res
        .status(200)
        .json({ id: duplicate.id, status: duplicate.status, student: student.name, duplicate: true });
      return;
    }
    const stored = checkpointPath(ctx.dataDir, sha256);
    if (!existsSync(stored)) renameSync(file.path, stored);
    // Checked again now the upload is in: a parallel upload may have taken the last slot.
    checkDailyLimit(ctx, student);
    const id = store.addSubmission({
      studentId: student.id,
      sha256,
      bytes: file.size,
      version: header.version,
      originalName: file.originalname.slice(0, 200),
      maxLr,
      spendUsd,
    });
    log.info({ submission: id, student: student.name, sha256 }, 'submission accepted');
    res.status(202).json({
      id,
      status: 'queued',
      student: student.name,
      checkpoint_sha256: sha256,
      url: `/api/submissions/${id}`,
    });
  } finally {
    if (file) rmSync(file.path, { force: true });
  }
}

/** A submission as its owner (or an admin) sees it; private metrics only once revealed. */
function submissionView(ctx: AppContext, sub: SubmissionRow, showPrivate: boolean) {
  const score = ctx.store.score(sub.id);
  return {
    id: sub.id,
    student: sub.student,
    status: sub.status,
    error: sub.error,
    max_lr: sub.max_lr,
    spend_usd: sub.spend_usd,
    over_budget: sub.spend_usd > ctx.config.tuningBudgetUsd,
    checkpoint_sha256: sub.checkpoint_sha256,
    checkpoint_version: sub.checkpoint_version,
    submitted_at: new Date(sub.created_at).toISOString(),
    metrics: score && {
      public: {
        val_loss: score.public_val_loss,
        hellaswag_acc: score.public_hellaswag_acc,
        hellaswag_n: score.public_hellaswag_n,
      },
      private: showPrivate
        ? {
            val_loss: score.private_val_loss,
            hellaswag_acc: score.private_hellaswag_acc,
            hellaswag_n: score.private_hellaswag_n,
          }
        : null,
      evaluator_version: score.evaluator_version,
      heldout_sha256: JSON.parse(score.heldout_sha256) as Record<string, string>,
      scored_at: new Date(score.created_at).toISOString(),
    },
  };
}

export function submissionRoutes(ctx: AppContext): express.Router {
  const router = express.Router();

  router.post('/api/submissions', (req, res) => receiveUpload(ctx, req, res));

  router.get('/api/submissions', (req, res) => {
    const student = ctx.requireStudent(req);
    res.json({
      submissions: ctx.store.submissionsOf(student.id).map((s) => submissionView(ctx, s, false)),
    });
  });

  router.get('/api/submissions/:id', (req, res) => {
    const admin = ctx.isAdmin(req);
    const student = admin ? null : ctx.requireStudent(req);
    const id = Number(req.params.id);
    const sub = Number.isInteger(id) ? ctx.store.submission(id) : null;
    // Someone else's submission is reported exactly like a missing one.
    if (!sub || (student && sub.student_id !== student.id)) {
      throw new HttpError(404, `submission ${req.params.id}: not found among your submissions`);
    }
    res.json(submissionView(ctx, sub, admin || ctx.privateRevealed()));
  });

  return router;
}
