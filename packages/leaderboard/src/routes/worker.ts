/**
 * Remote evaluation workers (worker or admin token):
 *   POST /api/worker/claim                          next job (204 when none) with the evaluation settings
 *   GET  /api/worker/jobs/:id/checkpoint?lease=L    the checkpoint bytes
 *   GET  /api/worker/heldout/:file                  a held-out split file
 *   POST /api/worker/jobs/:id/heartbeat             {"lease"} extends the lease
 *   POST /api/worker/jobs/:id/release               {"lease"} gives the job back (a worker told to stop);
 *                                                   its attempt is not counted
 *   POST /api/worker/jobs/:id/result                {"lease", "score"} or {"lease", "error"}
 */
import { join } from 'node:path';
import { Ajv } from 'ajv';
import express from 'express';
import type { AppContext } from '../context.js';
import { evaluatorVersion } from '../evaluate.js';
import { checkBody, HttpError } from '../http-error.js';
import { checkpointPath } from '../paths.js';
import { type ExpectedScore, expectedScore, scoreProblem } from '../score-check.js';
import type { ScoreInput } from '../store.js';

const ajv = new Ajv({ allErrors: true });

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
      // The values are checked by scoreProblem, with messages that say what was expected
      // (ajv's "number" would also refuse 1e400, which JSON.parse reads as Infinity, but only as "must be number").
      properties: {
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

const validateClaimBody = ajv.compile({
  type: 'object',
  additionalProperties: false,
  properties: { worker: { type: 'string', maxLength: 100 } },
});

/** Same file names with the same hashes. */
function sameFiles(a: Record<string, string>, b: Record<string, string>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((n) => Object.hasOwn(b, n) && a[n] === b[n]);
}

/**
 * Refuses a score that is not of `jobId`'s checkpoint on this server's held-out files (it could not be
 * re-derived), or not what this server's evaluation gives (another evaluator version, HellaSwag counts,
 * a loss that is not a finite number ≥ 0).
 */
function checkScore(
  ctx: AppContext,
  expected: ExpectedScore,
  jobId: number,
  submissionId: number,
  score: ScoreInput,
): void {
  const sha256 = ctx.store.submission(submissionId)!.checkpoint_sha256;
  if (score.checkpoint_sha256 !== sha256) {
    throw new HttpError(
      400,
      `score.checkpoint_sha256: found ${score.checkpoint_sha256}, expected ${sha256} (job ${jobId}'s checkpoint)`,
    );
  }
  const files = ctx.heldout.manifest.files;
  if (!sameFiles(score.heldout_sha256, files)) {
    throw new HttpError(
      400,
      `score.heldout_sha256: found ${JSON.stringify(score.heldout_sha256)}, expected this server's held-out split ${JSON.stringify(files)}`,
    );
  }
  const problem = scoreProblem(score, expected);
  if (problem) throw new HttpError(400, problem);
}

export function workerRoutes(ctx: AppContext, json: express.RequestHandler): express.Router {
  const { store, config, heldout, log } = ctx;
  const expected = expectedScore(heldout.manifest, heldout.folder, config.evaluation);
  const router = express.Router();

  router.post('/api/worker/claim', json, (req, res) => {
    const who = ctx.requireRole(req, ['worker', 'admin']);
    checkBody(validateClaimBody, req.body ?? {}, 'body');
    const workerName = `${who.name}${(req.body as { worker?: string })?.worker ? `/${req.body.worker}` : ''}`;
    const job = store.claimJob(workerName, ctx.leaseMs, config.maxAttempts);
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

  router.get('/api/worker/jobs/:id/checkpoint', (req, res) => {
    ctx.requireRole(req, ['worker', 'admin']);
    const job = store.jobForLease(Number(req.params.id), String(req.query.lease ?? ''));
    if (!job) throw new HttpError(409, `job ${req.params.id}: lease not held (expired or finished)`);
    const sub = store.submission(job.submission_id)!;
    res.sendFile(checkpointPath(ctx.dataDir, sub.checkpoint_sha256));
  });

  router.get('/api/worker/heldout/:file', (req, res) => {
    ctx.requireRole(req, ['worker', 'admin']);
    const name = req.params.file;
    if (!Object.hasOwn(heldout.manifest.files, name))
      throw new HttpError(404, `held-out file "${name}": not found`);
    res.sendFile(join(heldout.folder, name));
  });

  router.post('/api/worker/jobs/:id/heartbeat', json, (req, res) => {
    ctx.requireRole(req, ['worker', 'admin']);
    checkBody(validateLeaseBody, req.body, 'body');
    if (!store.renewLease(Number(req.params.id), req.body.lease, ctx.leaseMs)) {
      throw new HttpError(409, `job ${req.params.id}: lease not held (expired or finished)`);
    }
    res.json({ ok: true });
  });

  router.post('/api/worker/jobs/:id/release', json, (req, res) => {
    const who = ctx.requireRole(req, ['worker', 'admin']);
    checkBody(validateLeaseBody, req.body, 'body');
    const jobId = Number(req.params.id);
    if (!store.releaseJob(jobId, req.body.lease)) {
      throw new HttpError(409, `job ${req.params.id}: lease not held (expired or finished)`);
    }
    log.info({ job: jobId, worker: who.name }, 'job given back (remote worker stopping)');
    res.json({ ok: true });
  });

  router.post('/api/worker/jobs/:id/result', json, (req, res) => {
    const who = ctx.requireRole(req, ['worker', 'admin']);
    checkBody(validateResultBody, req.body, 'body');
    const body = req.body as { lease: string; score?: ScoreInput; error?: string };
    const jobId = Number(req.params.id);
    const held = store.jobForLease(jobId, body.lease);
    if (body.score && held) checkScore(ctx, expected, jobId, held.submission_id, body.score);
    const ok = body.score
      ? store.finishJob(jobId, body.lease, who.name, body.score)
      : store.failJob(jobId, body.lease, body.error!);
    if (!ok)
      throw new HttpError(409, `job ${req.params.id}: lease not held (expired or finished); result dropped`);
    log.info({ job: jobId, worker: who.name, failed: !body.score }, 'job finished (remote)');
    res.json({ ok: true });
  });

  return router;
}
