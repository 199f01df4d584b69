/**
 * The leaderboard's HTTP server (Express 5). `createApp` builds the app from a
 * store, the class config and the held-out split; `startServer` listens (port
 * 0 in tests) and returns the URL.
 *
 * API (JSON; errors are {"error": "..."}):
 *   POST /api/submissions            student: multipart checkpoint, max_lr, spend_usd → 202 {id}
 *   GET  /api/submissions            student: own submissions
 *   GET  /api/submissions/:id        student (own only) or admin: status and metrics
 *   GET  /api/config                 the class rules (required architecture, limits, ranking)
 *   GET  /api/leaderboard[?board=private]      JSON board (private: after the deadline, reveal, or admin)
 *   GET  /api/leaderboard.csv        admin: every student's entry, public and private metrics
 *   POST /api/admin/reveal           admin: show the private board now
 *   POST /api/admin/students         admin: {"name"} → {"token"}
 *   POST /api/worker/claim           worker: next job (204 when none) with the evaluation settings
 *   GET  /api/worker/jobs/:id/checkpoint?lease=L   worker: the checkpoint bytes
 *   GET  /api/worker/heldout/:file   worker: a held-out split file
 *   POST /api/worker/jobs/:id/heartbeat            worker: {"lease"} extends the lease
 *   POST /api/worker/jobs/:id/result               worker: {"lease", "score"} or {"lease", "error"}
 * Pages: / (the board), /students/:name (a student's history).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import {
  CourseError,
  checkArchitecture,
  checkpointFileBytes,
  gpt2Config,
  InputError,
  readCheckpointHeader,
} from '@course/models';
import { Ajv } from 'ajv';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import multer from 'multer';
import { type Logger, pino } from 'pino';
import type { LeaderboardConfig } from './config.js';
import { evaluatorVersion } from './evaluate.js';
import { type HeldoutManifest, type Side, sha256FileStream } from './heldout.js';
import { boardCsv, renderBoardPage, renderStudentPage } from './html.js';
import { type Board, buildBoard } from './ranking.js';
import type { ScoreInput, Store, Student, SubmissionRow } from './store.js';
import { bearerToken } from './tokens.js';

export interface LeaderboardAppOptions {
  store: Store;
  config: LeaderboardConfig;
  /** Holds checkpoints/<sha256>.bin and uploads/ (see dataDirFor). */
  dataDir: string;
  heldout: { manifest: HeldoutManifest; folder: string };
  logger?: Logger;
}

/** Where a database's files live: next to it, `<db>.files/`. */
export function dataDirFor(dbPath: string): string {
  return `${dbPath}.files`;
}

export function checkpointPath(dataDir: string, sha256: string): string {
  return join(dataDir, 'checkpoints', `${sha256}.bin`);
}

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

/** An HTTP error with a status and a message for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
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

const validateResultBody = ajv.compile({
  type: 'object',
  required: ['lease'],
  additionalProperties: false,
  properties: {
    lease: { type: 'string', minLength: 1 },
    error: { type: 'string' },
    score: {
      type: 'object',
      required: ['evaluator_version', 'checkpoint_sha256', 'heldout_sha256', 'public', 'private', 'seconds'],
      properties: {
        evaluator_version: { type: 'string' },
        checkpoint_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        heldout_sha256: { type: 'object', additionalProperties: { type: 'string' } },
        seconds: { type: 'number', minimum: 0 },
        public: { $ref: '#/$defs/metrics' },
        private: { $ref: '#/$defs/metrics' },
      },
    },
  },
  oneOf: [{ required: ['score'] }, { required: ['error'] }],
  $defs: {
    metrics: {
      type: 'object',
      required: ['val_loss', 'hellaswag_acc', 'hellaswag_n'],
      properties: {
        val_loss: { type: ['number', 'null'] },
        hellaswag_acc: { type: ['number', 'null'], minimum: 0, maximum: 1 },
        hellaswag_n: { type: 'integer', minimum: 0 },
      },
    },
  },
});

const validateLeaseBody = ajv.compile({
  type: 'object',
  required: ['lease'],
  properties: { lease: { type: 'string', minLength: 1 } },
});

const validateStudentBody = ajv.compile({
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string' } },
});

const validateClaimBody = ajv.compile({
  type: 'object',
  additionalProperties: false,
  properties: { worker: { type: 'string', maxLength: 100 } },
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

function checkBody(validate: ReturnType<typeof ajv.compile>, body: unknown, what: string): void {
  if (!validate(body)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new HttpError(400, `${what}: ${problems.join('; ')}`);
  }
}

/** A strict decimal number, or the original string (so the schema reports "must be number"). */
function parseNumberField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return value;
  return Number(trimmed);
}

export function createApp(opts: LeaderboardAppOptions): express.Express {
  const { store, config, dataDir, heldout } = opts;
  const log = opts.logger ?? pino({ level: 'silent' });
  const uploadDir = join(dataDir, 'uploads');
  mkdirSync(uploadDir, { recursive: true });
  mkdirSync(join(dataDir, 'checkpoints'), { recursive: true });
  const sizes = acceptedCheckpointBytes(config);
  const maxUploadBytes = Math.max(sizes.v3, sizes.v5);
  const leaseMs = config.leaseSeconds * 1000;

  const upload = multer({
    storage: multer.diskStorage({ destination: uploadDir }),
    limits: { fileSize: maxUploadBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Not upgrade-insecure-requests: a class server is often plain http://host:8080 on a LAN, where the
  // browser would turn every link on the board into an https:// request that nothing answers.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use((req, res, next) => {
    const start = performance.now();
    res.on('finish', () => {
      log.info(
        {
          method: req.method,
          // The path only: query strings carry worker leases.
          url: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: +(performance.now() - start).toFixed(1),
        },
        'request',
      );
    });
    next();
  });
  const json = express.json({ limit: '64kb' });

  // ------------------------------------------------------------------ auth

  function token(req: Request): string {
    const t = bearerToken(req.get('authorization'));
    if (!t)
      throw new HttpError(401, 'missing "Authorization: Bearer TOKEN" header', {
        'WWW-Authenticate': 'Bearer',
      });
    return t;
  }

  function requireStudent(req: Request): Student {
    const student = store.studentByToken(token(req));
    if (!student) throw new HttpError(401, 'unknown token', { 'WWW-Authenticate': 'Bearer' });
    return student;
  }

  function requireRole(req: Request, roles: ('admin' | 'worker')[]): { name: string; role: string } {
    const who = store.serviceRole(token(req));
    if (!who || !roles.includes(who.role)) {
      throw new HttpError(who ? 403 : 401, `this needs a ${roles.join(' or ')} token`, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    return who;
  }

  function isAdmin(req: Request): boolean {
    const t = bearerToken(req.get('authorization'));
    return t !== null && store.serviceRole(t)?.role === 'admin';
  }

  function privateRevealed(): boolean {
    if (store.getSetting<boolean>('private_revealed')) return true;
    return config.deadline !== undefined && store.now() >= Date.parse(config.deadline);
  }

  // Boards are rebuilt only when a submission or score was added (by this process or a worker).
  let cachedVersion = '';
  const cachedBoards = new Map<Side, Board>();
  function board(side: Side): Board {
    const version = store.boardVersion();
    if (version !== cachedVersion) {
      cachedBoards.clear();
      cachedVersion = version;
    }
    let built = cachedBoards.get(side);
    if (!built) {
      built = buildBoard(store.scoredSubmissions(), store.submissionCounts(), config, side);
      cachedBoards.set(side, built);
    }
    return built;
  }

  function checkDailyLimit(student: Student): void {
    const now = store.now();
    const used = store.countedSubmissionsSince(student.id, startOfUtcDay(now));
    if (used >= config.dailyLimit) {
      const opens = nextUtcMidnight(now);
      throw new HttpError(
        429,
        `daily limit reached: ${used} of ${config.dailyLimit} submissions today (UTC); the next slot opens at ${new Date(opens).toISOString()} (failed evaluations do not count)`,
        { 'Retry-After': String(Math.ceil((opens - now) / 1000)) },
      );
    }
  }

  // ------------------------------------------------------------------ submissions

  app.post('/api/submissions', async (req, res) => {
    const student = requireStudent(req);
    // Once private scores are visible, a new submission could be tuned on them: the competition is over.
    if (privateRevealed()) {
      throw new HttpError(
        403,
        `submissions are closed: the private board is revealed${config.deadline ? ` (deadline ${config.deadline})` : ''}`,
      );
    }
    checkDailyLimit(student);
    // Refuse an oversized body before reading it (multipart adds a few hundred bytes of framing).
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > maxUploadBytes + 64 * 1024) throw tooLarge(maxUploadBytes, config);
    await new Promise<void>((resolve, reject) => {
      upload.single('checkpoint')(req, res, (err: unknown) => (err ? reject(err) : resolve()));
    });
    const file = req.file;
    try {
      if (!file)
        throw new HttpError(400, 'checkpoint: missing (expected a multipart file field "checkpoint")');
      const raw = (req.body ?? {}) as Record<string, unknown>;
      const fields = { max_lr: parseNumberField(raw.max_lr), spend_usd: parseNumberField(raw.spend_usd) };
      if (!validateSubmissionFields(fields)) throw new HttpError(400, describeFieldErrors(raw));
      const { max_lr: maxLr, spend_usd: spendUsd } = fields as { max_lr: number; spend_usd: number };
      const name = `checkpoint "${file.originalname}"`;
      let version: number;
      try {
        const header = readCheckpointHeader(file.path);
        checkArchitecture(header, config.architecture, file.path);
        if (header.config.maxSeqLen < config.evaluation.T) {
          throw new InputError(
            `${file.path}: header[2] max_seq_len: found ${header.config.maxSeqLen}, expected at least ${config.evaluation.T} (the evaluation's sequence length)`,
          );
        }
        version = header.version;
      } catch (err) {
        if (err instanceof CourseError) throw new HttpError(400, err.message.replaceAll(file.path, name));
        throw err;
      }
      const sha256 = await sha256FileStream(file.path);
      const duplicate = store.findDuplicate(student.id, sha256);
      if (duplicate) {
        res.status(200).json({ id: duplicate.id, status: duplicate.status, duplicate: true });
        return;
      }
      const stored = checkpointPath(dataDir, sha256);
      if (!existsSync(stored)) renameSync(file.path, stored);
      // Checked again now the upload is in: a parallel upload may have taken the last slot.
      checkDailyLimit(student);
      const id = store.addSubmission({
        studentId: student.id,
        sha256,
        bytes: file.size,
        version,
        originalName: file.originalname.slice(0, 200),
        maxLr,
        spendUsd,
      });
      log.info({ submission: id, student: student.name, sha256 }, 'submission accepted');
      res
        .status(202)
        .json({ id, status: 'queued', checkpoint_sha256: sha256, url: `/api/submissions/${id}` });
    } finally {
      if (file) rmSync(file.path, { force: true });
    }
  });

  app.get('/api/submissions', (req, res) => {
    const student = requireStudent(req);
    res.json({ submissions: store.submissionsOf(student.id).map((s) => submissionView(s, false)) });
  });

  app.get('/api/submissions/:id', (req, res) => {
    const admin = isAdmin(req);
    const student = admin ? null : requireStudent(req);
    const id = Number(req.params.id);
    const sub = Number.isInteger(id) ? store.submission(id) : null;
    // Someone else's submission is reported exactly like a missing one.
    if (!sub || (student && sub.student_id !== student.id)) {
      throw new HttpError(404, `submission ${req.params.id}: not found among your submissions`);
    }
    res.json(submissionView(sub, admin || privateRevealed()));
  });

  function submissionView(sub: SubmissionRow, showPrivate: boolean) {
    const score = store.score(sub.id);
    return {
      id: sub.id,
      student: sub.student,
      status: sub.status,
      error: sub.error,
      max_lr: sub.max_lr,
      spend_usd: sub.spend_usd,
      over_budget: sub.spend_usd > config.tuningBudgetUsd,
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

  // ------------------------------------------------------------------ boards

  function requestedSide(req: Request): Side {
    const side = req.query.board ?? 'public';
    if (side !== 'public' && side !== 'private') {
      throw new HttpError(400, `board: found ${JSON.stringify(side)}, expected "public" or "private"`);
    }
    if (side === 'private' && !privateRevealed() && !isAdmin(req)) {
      throw new HttpError(403, 'the private board is revealed after the deadline');
    }
    return side;
  }

  app.get('/api/leaderboard', (req, res) => {
    const side = requestedSide(req);
    res.json({
      title: config.title,
      generated_at: new Date(store.now()).toISOString(),
      private_revealed: privateRevealed(),
      tuning_budget_usd: config.tuningBudgetUsd,
      ranking: config.ranking,
      selection: config.selection,
      ...board(side),
    });
  });

  app.get('/api/leaderboard.csv', (req, res) => {
    requireRole(req, ['admin']);
    res.type('text/csv').send(boardCsv(board('public'), board('private'), store));
  });

  app.get('/', (_req, res) => {
    const revealed = privateRevealed();
    res.type('html').send(
      renderBoardPage({
        config,
        public: board('public'),
        private: revealed ? board('private') : null,
        queue: store.queueCounts(),
        now: store.now(),
      }),
    );
  });

  app.get('/students/:name', (req, res) => {
    const student = store.studentByName(req.params.name);
    if (!student) throw new HttpError(404, `student "${req.params.name}": not found`);
    const history = store.submissionsOf(student.id).map((s) => ({ sub: s, score: store.score(s.id) }));
    res.type('html').send(renderStudentPage({ config, student, history, now: store.now() }));
  });

  // The class rules a client needs before uploading (the submit command checks the header locally).
  app.get('/api/config', (_req, res) => {
    res.json({
      title: config.title,
      architecture: config.architecture,
      evaluation: config.evaluation,
      max_checkpoint_bytes: maxUploadBytes,
      daily_limit: config.dailyLimit,
      tuning_budget_usd: config.tuningBudgetUsd,
      over_budget: config.overBudget,
      selection: config.selection,
      ranking: config.ranking,
      deadline: config.deadline ?? null,
    });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, queue: store.queueCounts() });
  });

  // ------------------------------------------------------------------ admin

  app.post('/api/admin/reveal', (req, res) => {
    requireRole(req, ['admin']);
    store.setSetting('private_revealed', true);
    res.json({ private_revealed: true });
  });

  app.post('/api/admin/students', json, (req, res) => {
    requireRole(req, ['admin']);
    checkBody(validateStudentBody, req.body, 'body');
    const { token: studentToken, student } = store.addStudent((req.body as { name: string }).name);
    res.status(201).json({ name: student.name, token: studentToken });
  });

  // ------------------------------------------------------------------ remote workers

  app.post('/api/worker/claim', json, (req, res) => {
    const who = requireRole(req, ['worker', 'admin']);
    checkBody(validateClaimBody, req.body ?? {}, 'body');
    const workerName = `${who.name}${(req.body as { worker?: string })?.worker ? `/${req.body.worker}` : ''}`;
    const job = store.claimJob(workerName, leaseMs, config.maxAttempts);
    if (!job) {
      res.status(204).end();
      return;
    }
    log.info({ job: job.job_id, submission: job.submission_id, worker: workerName }, 'job claimed (remote)');
    res.json({
      ...job,
      lease_seconds: config.leaseSeconds,
      evaluation: config.evaluation,
      evaluator_version: evaluatorVersion(config.evaluation),
      heldout: heldout.manifest,
    });
  });

  app.get('/api/worker/jobs/:id/checkpoint', (req, res) => {
    requireRole(req, ['worker', 'admin']);
    const job = store.jobForLease(Number(req.params.id), String(req.query.lease ?? ''));
    if (!job) throw new HttpError(409, `job ${req.params.id}: lease not held (expired or finished)`);
    const sub = store.submission(job.submission_id)!;
    res.sendFile(checkpointPath(dataDir, sub.checkpoint_sha256));
  });

  app.get('/api/worker/heldout/:file', (req, res) => {
    requireRole(req, ['worker', 'admin']);
    const name = req.params.file;
    if (!Object.hasOwn(heldout.manifest.files, name))
      throw new HttpError(404, `held-out file "${name}": not found`);
    res.sendFile(join(heldout.folder, name));
  });

  app.post('/api/worker/jobs/:id/heartbeat', json, (req, res) => {
    requireRole(req, ['worker', 'admin']);
    checkBody(validateLeaseBody, req.body, 'body');
    if (!store.renewLease(Number(req.params.id), req.body.lease, leaseMs)) {
      throw new HttpError(409, `job ${req.params.id}: lease not held (expired or finished)`);
    }
    res.json({ ok: true });
  });

  app.post('/api/worker/jobs/:id/result', json, (req, res) => {
    const who = requireRole(req, ['worker', 'admin']);
    checkBody(validateResultBody, req.body, 'body');
    const body = req.body as { lease: string; score?: ScoreInput; error?: string };
    const jobId = Number(req.params.id);
    // A score must be of this job's checkpoint on this server's held-out files, or it could not be re-derived.
    const held = store.jobForLease(jobId, body.lease);
    if (body.score && held) {
      const expected = store.submission(held.submission_id)!.checkpoint_sha256;
      if (body.score.checkpoint_sha256 !== expected) {
        throw new HttpError(
          400,
          `score.checkpoint_sha256: found ${body.score.checkpoint_sha256}, expected ${expected} (job ${jobId}'s checkpoint)`,
        );
      }
      if (!sameFiles(body.score.heldout_sha256, heldout.manifest.files)) {
        throw new HttpError(
          400,
          `score.heldout_sha256: found ${JSON.stringify(body.score.heldout_sha256)}, expected this server's held-out split ${JSON.stringify(heldout.manifest.files)}`,
        );
      }
    }
    const ok = body.score
      ? store.finishJob(jobId, body.lease, who.name, body.score)
      : store.failJob(jobId, body.lease, body.error!);
    if (!ok)
      throw new HttpError(409, `job ${req.params.id}: lease not held (expired or finished); result dropped`);
    log.info({ job: jobId, worker: who.name, failed: !body.score }, 'job finished (remote)');
    res.json({ ok: true });
  });

  // ------------------------------------------------------------------ errors

  app.use((_req, _res) => {
    throw new HttpError(404, 'not found');
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, message, headers } = toHttpError(err, maxUploadBytes, config);
    if (status >= 500) log.error({ err, url: req.path }, 'internal error');
    res.set(headers);
    if (req.accepts(['json', 'html']) === 'html' && !req.path.startsWith('/api/')) {
      res
        .status(status)
        .type('html')
        .send(`<!doctype html><title>${status}</title><p>${escapeText(message)}</p>`);
    } else {
      res.status(status).json({ error: message });
    }
  });

  return app;
}

function tooLarge(maxBytes: number, config: LeaderboardConfig): HttpError {
  const a = config.architecture;
  return new HttpError(
    413,
    `checkpoint: larger than ${maxBytes} bytes, the size of an fp32 (version 3) checkpoint of the required architecture d${a.depth} c${a.channels} h${a.heads}`,
  );
}

function toHttpError(err: unknown, maxUploadBytes: number, config: LeaderboardConfig): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return tooLarge(maxUploadBytes, config);
    if (err.code === 'LIMIT_UNEXPECTED_FILE' || err.code === 'LIMIT_FILE_COUNT') {
      return new HttpError(
        400,
        `checkpoint: expected exactly one file, in the multipart field "checkpoint"${err.field && err.field !== 'checkpoint' ? ` (found a file in field "${err.field}")` : ' (found more than one)'}`,
      );
    }
    return new HttpError(
      400,
      `multipart upload: ${err.message}${err.field ? ` (field "${err.field}")` : ''}`,
    );
  }
  if (err instanceof CourseError) return new HttpError(400, err.message);
  const status = (err as { status?: number; statusCode?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser's errors (bad JSON, too large) carry a status and a safe message.
    return new HttpError(status, (err as Error).message);
  }
  return new HttpError(500, 'internal server error (logged)');
}

/** Same file names with the same hashes. */
function sameFiles(a: Record<string, string>, b: Record<string, string>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((n) => Object.hasOwn(b, n) && a[n] === b[n]);
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Listens on `port` (0 = any free port) and resolves with the URL. */
export function listen(
  app: express.Express,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) {
        reject(err);
        return;
      }
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({
        server,
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
