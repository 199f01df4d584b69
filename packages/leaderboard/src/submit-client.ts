/**
 * The one submit client: `course-leaderboard submit` and the `npm start` demo
 * both upload through submitCheckpoint, as a student would, and follow the
 * submission with waitForSubmission.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import {
  checkArchitecture,
  InputError,
  type RequiredArchitecture,
  readCheckpointHeader,
} from '@course/models';
import { fetchServer, replyJson } from './client.js';

export interface SubmitOptions {
  /** Leaderboard URL, e.g. http://host:8080. */
  server: string;
  /** The student's token. */
  token: string;
  /** Path of the llm.c checkpoint. */
  checkpoint: string;
  maxLr: number;
  spendUsd: number;
}

/** POST /api/submissions's reply: 202 queued, or 200 for a file this student submitted before. */
export interface SubmitReply {
  id: number;
  status: string;
  /** The student the token belongs to. */
  student?: string;
  checkpoint_sha256?: string;
  url?: string;
  duplicate?: boolean;
}

interface SplitMetricsJson {
  val_loss: number | null;
  hellaswag_acc: number | null;
  hellaswag_n: number;
}

/** GET /api/submissions/:id's reply, as far as a client reads it. */
export interface SubmissionState {
  id: number;
  student: string;
  status: 'queued' | 'running' | 'scored' | 'failed';
  error: string | null;
  max_lr: number;
  spend_usd: number;
  over_budget: boolean;
  checkpoint_sha256: string;
  metrics: {
    public: SplitMetricsJson;
    private: SplitMetricsJson | null;
    evaluator_version: string;
  } | null;
}

function authorization(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * Uploads a checkpoint. Its header is checked against the server's required
 * architecture first, so a wrong file is reported without uploading it.
 */
export async function submitCheckpoint(opts: SubmitOptions): Promise<SubmitReply> {
  const rules = await fetchServer(opts.server, '/api/config');
  if (rules.ok) {
    const { architecture } = (await rules.json()) as { architecture: RequiredArchitecture };
    checkArchitecture(readCheckpointHeader(opts.checkpoint), architecture, opts.checkpoint);
  }
  let blob: Blob;
  try {
    blob = await openAsBlob(opts.checkpoint);
  } catch (err) {
    throw new InputError(
      `--checkpoint ${opts.checkpoint}: cannot read file (${(err as NodeJS.ErrnoException).code})`,
    );
  }
  const form = new FormData();
  form.set('max_lr', String(opts.maxLr));
  form.set('spend_usd', String(opts.spendUsd));
  form.set('checkpoint', blob, basename(opts.checkpoint));
  const res = await fetchServer(opts.server, '/api/submissions', {
    method: 'POST',
    body: form,
    headers: authorization(opts.token),
  });
  return (await replyJson(opts.server, res)) as SubmitReply;
}

export async function fetchSubmission(server: string, token: string, id: number): Promise<SubmissionState> {
  const res = await fetchServer(server, `/api/submissions/${id}`, { headers: authorization(token) });
  return (await replyJson(server, res)) as SubmissionState;
}

/** Polls a submission until it is scored or failed (or `timeoutMs` passes: an InputError). */
export async function waitForSubmission(
  server: string,
  token: string,
  id: number,
  opts: { pollMs?: number; timeoutMs?: number } = {},
): Promise<SubmissionState> {
  const giveUp = Date.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY);
  for (;;) {
    const state = await fetchSubmission(server, token, id);
    if (state.status === 'scored' || state.status === 'failed') return state;
    if (Date.now() > giveUp) {
      throw new InputError(
        `submission ${id}: still ${state.status} after ${((opts.timeoutMs ?? 0) / 1000).toFixed(0)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

/** 3e-4, 1e-3: a learning rate as people write it. */
function lr(x: number): string {
  return x.toExponential();
}

function fixed(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : x.toFixed(4);
}

/** The first line `submit` prints: what the server did with the upload. */
export function describeReply(reply: SubmitReply, opts: SubmitOptions, waiting: boolean): string {
  if (reply.duplicate) {
    return `submission ${reply.id} already has this file (${reply.status}); not submitted again, no daily slot used`;
  }
  return `submission ${reply.id} ${reply.status} (max LR ${lr(opts.maxLr)}, spend $${opts.spendUsd.toFixed(2)})${waiting ? ': waiting for a worker to score it' : ''}`;
}

/** What `submit --wait` prints once a submission is scored (a failed one is an error instead). */
export function describeScored(state: SubmissionState): string {
  const m = state.metrics?.public;
  const n = m?.hellaswag_n ?? 0;
  const hellaswag =
    m && m.hellaswag_acc !== null
      ? `${fixed(m.hellaswag_acc)} (${Math.round(m.hellaswag_acc * n)}/${n} correct)`
      : '–';
  const flag = state.over_budget ? '; flagged: spend over the tuning budget' : '';
  return `submission ${state.id} scored on the public held-out split: HellaSwag ${hellaswag}, val loss ${fixed(m?.val_loss)}${flag}`;
}

/** Where to look next. */
export function describeLinks(server: string, student: string | undefined): string {
  const base = server.replace(/\/+$/, '');
  return `the board: ${base}/${student ? ` · your submissions: ${base}/students/${encodeURIComponent(student)}` : ''}`;
}
