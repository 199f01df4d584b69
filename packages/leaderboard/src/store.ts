/**
 * Every read and write of the leaderboard's data, as small synchronous
 * functions over one better-sqlite3 connection. Anything that must happen
 * together is one transaction: accepting a submission (row + job), claiming a
 * job, finishing a job (score + job + submission status).
 */
import { randomBytes } from 'node:crypto';
import { InputError } from '@course/models';
import type { DB } from './db.js';
import { hashToken, newToken, sameHash } from './tokens.js';

export interface Student {
  id: number;
  name: string;
}

export type SubmissionStatus = 'queued' | 'running' | 'scored' | 'failed';

export interface SubmissionRow {
  id: number;
  student_id: number;
  student: string;
  checkpoint_sha256: string;
  checkpoint_bytes: number;
  checkpoint_version: number;
  original_name: string;
  max_lr: number;
  spend_usd: number;
  status: SubmissionStatus;
  error: string | null;
  created_at: number;
}

export interface SplitMetrics {
  val_loss: number | null;
  hellaswag_acc: number | null;
  hellaswag_n: number;
}

export interface ScoreRow {
  submission_id: number;
  evaluator_version: string;
  checkpoint_sha256: string;
  heldout_sha256: string;
  public_val_loss: number | null;
  public_hellaswag_acc: number | null;
  public_hellaswag_n: number;
  private_val_loss: number | null;
  private_hellaswag_acc: number | null;
  private_hellaswag_n: number;
  seconds: number;
  worker: string;
  created_at: number;
}

export interface ScoreInput {
  evaluator_version: string;
  checkpoint_sha256: string;
  heldout_sha256: Record<string, string>;
  public: SplitMetrics;
  private: SplitMetrics;
  seconds: number;
}

export interface ClaimedJob {
  job_id: number;
  submission_id: number;
  lease_id: string;
  lease_expires_at: number;
  attempts: number;
  checkpoint_sha256: string;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class Store {
  constructor(
    readonly db: DB,
    /** The clock, injectable so tests can move days and leases forward. */
    readonly now: () => number = Date.now,
  ) {}

  // ------------------------------------------------------------------ people and tokens

  /** Adds a student and returns their token (shown once; only its hash is kept). Names are case-insensitive. */
  addStudent(name: string): { student: Student; token: string } {
    if (!NAME_PATTERN.test(name)) {
      throw new InputError(
        `student name: found "${name}", expected 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)`,
      );
    }
    const token = newToken();
    // One transaction: two processes adding "Ann" and "ann" at once cannot both succeed.
    return this.db
      .transaction(() => {
        const existing = this.studentByName(name);
        if (existing) {
          throw new InputError(
            existing.name === name
              ? `student name: "${name}" exists already`
              : `student name: "${name}" exists already as "${existing.name}" (names differing only in case are one student)`,
          );
        }
        const info = this.db
          .prepare('INSERT INTO students (name, token_hash, created_at) VALUES (?, ?, ?)')
          .run(name, hashToken(token), this.now());
        return { student: { id: Number(info.lastInsertRowid), name }, token };
      })
      .immediate();
  }

  /** A token for a TA ('admin') or an evaluation machine ('worker'). */
  addServiceToken(name: string, role: 'admin' | 'worker'): string {
    const token = newToken();
    this.db
      .prepare('INSERT INTO service_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(name, role, hashToken(token), this.now());
    return token;
  }

  studentByToken(token: string): Student | null {
    const hash = hashToken(token);
    const row = this.db.prepare('SELECT id, name, token_hash FROM students WHERE token_hash = ?').get(hash) as
      | (Student & { token_hash: Buffer })
      | undefined;
    return row && sameHash(row.token_hash, hash) ? { id: row.id, name: row.name } : null;
  }

  /** The role of a service token, or null. */
  serviceRole(token: string): { name: string; role: 'admin' | 'worker' } | null {
    const hash = hashToken(token);
    const row = this.db
      .prepare('SELECT name, role, token_hash FROM service_tokens WHERE token_hash = ?')
      .get(hash) as { name: string; role: 'admin' | 'worker'; token_hash: Buffer } | undefined;
    return row && sameHash(row.token_hash, hash) ? { name: row.name, role: row.role } : null;
  }

  /** The student called `name`, in any case ("Ann", "ann" and "ANN" are one student). */
  studentByName(name: string): Student | null {
    return (
      (this.db
        .prepare('SELECT id, name FROM students WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1')
        .get(name) as Student) ?? null
    );
  }

  // ------------------------------------------------------------------ submissions

  /** Submissions of a student since `since` (ms) that count against the daily limit (failed ones do not). */
  countedSubmissionsSince(studentId: number, since: number): number {
    const row = this.db
      .prepare(
        "SELECT COUNT(*) AS n FROM submissions WHERE student_id = ? AND created_at >= ? AND status != 'failed'",
      )
      .get(studentId, since) as { n: number };
    return row.n;
  }

  /** The student's earlier submission of the same file (not failed), if any. */
  findDuplicate(studentId: number, sha256: string): SubmissionRow | null {
    const row = this.db
      .prepare(
        `${SUBMISSION_SELECT} WHERE s.student_id = ? AND s.checkpoint_sha256 = ? AND s.status != 'failed'
         ORDER BY s.id LIMIT 1`,
      )
      .get(studentId, sha256) as SubmissionRow | undefined;
    return row ?? null;
  }

  /** Other students' submissions of the same file (shown to TAs). */
  sameFileFromOthers(studentId: number, sha256: string): string[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT st.name FROM submissions s JOIN students st ON st.id = s.student_id
         WHERE s.checkpoint_sha256 = ? AND s.student_id != ?`,
      )
      .all(sha256, studentId) as { name: string }[];
    return rows.map((r) => r.name);
  }

  /** Records a submission and queues its evaluation, in one transaction. */
  addSubmission(input: {
    studentId: number;
    sha256: string;
    bytes: number;
    version: number;
    originalName: string;
    maxLr: number;
    spendUsd: number;
  }): number {
    const now = this.now();
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare(
            `INSERT INTO submissions (student_id, checkpoint_sha256, checkpoint_bytes, checkpoint_version,
             original_name, max_lr, spend_usd, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
          )
          .run(
            input.studentId,
            input.sha256,
            input.bytes,
            input.version,
            input.originalName,
            input.maxLr,
            input.spendUsd,
            now,
          );
        const id = Number(info.lastInsertRowid);
        this.db
          .prepare("INSERT INTO jobs (submission_id, state, created_at) VALUES (?, 'queued', ?)")
          .run(id, now);
        return id;
      })
      .immediate();
  }

  submission(id: number): SubmissionRow | null {
    return (this.db.prepare(`${SUBMISSION_SELECT} WHERE s.id = ?`).get(id) as SubmissionRow) ?? null;
  }

  submissionsOf(studentId: number): SubmissionRow[] {
    return this.db
      .prepare(`${SUBMISSION_SELECT} WHERE s.student_id = ? ORDER BY s.created_at DESC, s.id DESC`)
      .all(studentId) as SubmissionRow[];
  }

  allSubmissions(): SubmissionRow[] {
    return this.db.prepare(`${SUBMISSION_SELECT} ORDER BY s.id`).all() as SubmissionRow[];
  }

  score(submissionId: number): ScoreRow | null {
    return (
      (this.db.prepare('SELECT * FROM scores WHERE submission_id = ?').get(submissionId) as ScoreRow) ?? null
    );
  }

  /** Every scored submission with its score, oldest first (the ranking's input). */
  scoredSubmissions(): (SubmissionRow & ScoreRow)[] {
    return this.db
      .prepare(
        `SELECT s.*, st.name AS student, sc.evaluator_version, sc.heldout_sha256,
           sc.public_val_loss, sc.public_hellaswag_acc, sc.public_hellaswag_n,
           sc.private_val_loss, sc.private_hellaswag_acc, sc.private_hellaswag_n,
           sc.seconds, sc.worker
         FROM submissions s JOIN students st ON st.id = s.student_id JOIN scores sc ON sc.submission_id = s.id
         ORDER BY s.created_at, s.id`,
      )
      .all() as (SubmissionRow & ScoreRow)[];
  }

  /** Per student: submissions made (any status) and the latest submission time. */
  submissionCounts(): Map<number, { count: number; last: number }> {
    const rows = this.db
      .prepare(
        'SELECT student_id, COUNT(*) AS count, MAX(created_at) AS last FROM submissions GROUP BY student_id',
      )
      .all() as { student_id: number; count: number; last: number }[];
    return new Map(rows.map((r) => [r.student_id, { count: r.count, last: r.last }]));
  }

  /**
   * Changes whenever a board could change: rows are only ever added to
   * submissions and scores (never updated in a way a board shows, never deleted).
   */
  boardVersion(): string {
    const row = this.db
      .prepare(
        'SELECT (SELECT IFNULL(MAX(id), 0) FROM submissions) AS s, (SELECT IFNULL(MAX(id), 0) FROM scores) AS c',
      )
      .get() as { s: number; c: number };
    return `${row.s}:${row.c}`;
  }

  // ------------------------------------------------------------------ the job queue

  /**
   * Claims the oldest job that is queued or whose lease has expired, in one
   * UPDATE … RETURNING inside an IMMEDIATE transaction (one writer at a time,
   * so two workers never get the same job). Jobs whose lease expired
   * `maxAttempts` times are failed first: a checkpoint that kills every worker
   * must not block the queue forever.
   */
  claimJob(worker: string, leaseMs: number, maxAttempts: number): ClaimedJob | null {
    const now = this.now();
    return this.db
      .transaction(() => {
        const abandoned = this.db
          .prepare(
            `UPDATE jobs SET state = 'failed', finished_at = ?, lease_id = NULL
           WHERE state = 'running' AND lease_expires_at < ? AND attempts >= ? RETURNING submission_id`,
          )
          .all(now, now, maxAttempts) as { submission_id: number }[];
        for (const { submission_id } of abandoned) {
          this.db
            .prepare("UPDATE submissions SET status = 'failed', error = ? WHERE id = ?")
            .run(
              `evaluation did not finish after ${maxAttempts} attempts (the worker died each time)`,
              submission_id,
            );
        }
        const leaseId = randomBytes(16).toString('hex');
        const job = this.db
          .prepare(
            `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_id = ?, lease_owner = ?,
             lease_expires_at = ?
           WHERE id = (SELECT id FROM jobs
                       WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < ?)
                       ORDER BY id LIMIT 1)
           RETURNING id, submission_id, lease_id, lease_expires_at, attempts`,
          )
          .get(leaseId, worker, now + leaseMs, now) as
          | {
              id: number;
              submission_id: number;
              lease_id: string;
              lease_expires_at: number;
              attempts: number;
            }
          | undefined;
        if (!job) return null;
        this.db.prepare("UPDATE submissions SET status = 'running' WHERE id = ?").run(job.submission_id);
        const { checkpoint_sha256 } = this.db
          .prepare('SELECT checkpoint_sha256 FROM submissions WHERE id = ?')
          .get(job.submission_id) as { checkpoint_sha256: string };
        return {
          job_id: job.id,
          submission_id: job.submission_id,
          lease_id: job.lease_id,
          lease_expires_at: job.lease_expires_at,
          attempts: job.attempts,
          checkpoint_sha256,
        };
      })
      .immediate();
  }

  /** Extends a lease its holder still has; false when it was lost (expired and reclaimed, or finished). */
  renewLease(jobId: number, leaseId: string, leaseMs: number): boolean {
    const info = this.db
      .prepare("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_id = ? AND state = 'running'")
      .run(this.now() + leaseMs, jobId, leaseId);
    return info.changes === 1;
  }

  /** The running job a lease holds, or null (lease lost or job finished). */
  jobForLease(jobId: number, leaseId: string): { submission_id: number } | null {
    const row = this.db
      .prepare("SELECT submission_id FROM jobs WHERE id = ? AND lease_id = ? AND state = 'running'")
      .get(jobId, leaseId) as { submission_id: number } | undefined;
    return row ?? null;
  }

  /**
   * Finishes a job in one transaction: job done, score stored, submission
   * scored. Only the current lease holder can do it, and only once: a worker
   * whose lease was reclaimed gets false and its result is dropped.
   */
  finishJob(jobId: number, leaseId: string, worker: string, score: ScoreInput): boolean {
    const now = this.now();
    return this.db
      .transaction(() => {
        const job = this.db
          .prepare(
            `UPDATE jobs SET state = 'done', finished_at = ?, lease_id = NULL
           WHERE id = ? AND lease_id = ? AND state = 'running' RETURNING submission_id`,
          )
          .get(now, jobId, leaseId) as { submission_id: number } | undefined;
        if (!job) return false;
        this.db
          .prepare(
            `INSERT INTO scores (submission_id, evaluator_version, checkpoint_sha256, heldout_sha256,
             public_val_loss, public_hellaswag_acc, public_hellaswag_n,
             private_val_loss, private_hellaswag_acc, private_hellaswag_n, seconds, worker, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            job.submission_id,
            score.evaluator_version,
            score.checkpoint_sha256,
            JSON.stringify(score.heldout_sha256),
            score.public.val_loss,
            score.public.hellaswag_acc,
            score.public.hellaswag_n,
            score.private.val_loss,
            score.private.hellaswag_acc,
            score.private.hellaswag_n,
            score.seconds,
            worker,
            now,
          );
        this.db
          .prepare("UPDATE submissions SET status = 'scored', error = NULL WHERE id = ?")
          .run(job.submission_id);
        return true;
      })
      .immediate();
  }

  /**
   * Gives running jobs back to the queue as if never claimed (the attempt is not counted): their worker
   * was stopped on purpose (SIGTERM, Ctrl-C, its server gone), not killed by the checkpoint. `where`
   * picks them: one lease, or every lease of one worker. Returns the number released.
   */
  private release(where: string, ...args: (string | number)[]): number {
    return this.db
      .transaction(() => {
        const released = this.db
          .prepare(
            `UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), lease_id = NULL,
             lease_owner = NULL, lease_expires_at = NULL
           WHERE state = 'running' AND ${where} RETURNING submission_id`,
          )
          .all(...args) as { submission_id: number }[];
        for (const { submission_id } of released) {
          this.db.prepare("UPDATE submissions SET status = 'queued' WHERE id = ?").run(submission_id);
        }
        return released.length;
      })
      .immediate();
  }

  /** Releases the job `leaseId` holds (see release); false when the lease was lost already. */
  releaseJob(jobId: number, leaseId: string): boolean {
    return this.release('id = ? AND lease_id = ?', jobId, leaseId) === 1;
  }

  /** Releases every job `worker` (a lease owner name) is running. */
  releaseJobsOf(worker: string): number {
    return this.release('lease_owner = ?', worker);
  }

  /** Marks a job failed (unreadable checkpoint, evaluation error); a failed submission uses no quota. */
  failJob(jobId: number, leaseId: string, error: string): boolean {
    const now = this.now();
    return this.db
      .transaction(() => {
        const job = this.db
          .prepare(
            `UPDATE jobs SET state = 'failed', finished_at = ?, lease_id = NULL
           WHERE id = ? AND lease_id = ? AND state = 'running' RETURNING submission_id`,
          )
          .get(now, jobId, leaseId) as { submission_id: number } | undefined;
        if (!job) return false;
        this.db
          .prepare("UPDATE submissions SET status = 'failed', error = ? WHERE id = ?")
          .run(error, job.submission_id);
        return true;
      })
      .immediate();
  }

  queueCounts(): Record<'queued' | 'running' | 'done' | 'failed', number> {
    const counts = { queued: 0, running: 0, done: 0, failed: 0 };
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as {
      state: keyof typeof counts;
      n: number;
    }[];
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  // ------------------------------------------------------------------ settings

  getSetting<T>(key: string): T | null {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  }
}

const SUBMISSION_SELECT = `SELECT s.*, st.name AS student FROM submissions s JOIN students st ON st.id = s.student_id`;
