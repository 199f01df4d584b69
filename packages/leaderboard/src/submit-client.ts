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
