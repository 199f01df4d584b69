/**
 * The database: migrations, hashed tokens, and the job queue's lease rules
 * (one holder at a time, reclaim after expiry, finish exactly once), with a
 * clock the test moves.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../src/db.js';
import { type ScoreInput, Store } from '../src/store.js';
import { tempDir } from './helpers/fixtures.js';

function freshStore() {
  const path = join(tempDir(), 'class.db');
  let now = Date.UTC(2026, 11, 1, 12);
  const store = new Store(openDatabase(path), () => now);
  return { path, store, tick: (ms: number) => (now += ms) };
}

const SCORE: ScoreInput = {
  evaluator_version: 'test',
  checkpoint_sha256: 'a'.repeat(64),
  heldout_sha256: { 'public_val_000000.bin': 'b'.repeat(64) },
  public: { val_loss: 3.5, hellaswag_acc: 0.25, hellaswag_n: 8 },
  private: { val_loss: 3.6, hellaswag_acc: 0.5, hellaswag_n: 8 },
  seconds: 1,
};

function queueOne(store: Store, name = 'alice') {
  const { student } = store.addStudent(name);
  return store.addSubmission({
    studentId: student.id,
    sha256: 'a'.repeat(64),
    bytes: 100,
    version: 3,
    originalName: 'm.bin',
    maxLr: 1e-3,
    spendUsd: 2,
  });
}

describe('migrations', () => {
  test('a new file gets every migration once; reopening applies none', () => {
    const { path, store } = freshStore();
    expect(schemaVersion(store.db)).toBe(1);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(migrate(store.db)).toEqual([]);
    store.db.close();
    const again = openDatabase(path);
    expect(schemaVersion(again)).toBe(1);
    expect(again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 1 });
    again.close();
  });
});

describe('tokens', () => {
  test('only the sha256 of a token is stored; the token finds its student, others do not', () => {
    const { path, store } = freshStore();
    const { token } = store.addStudent('alice');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const row = store.db.prepare('SELECT token_hash FROM students').get() as { token_hash: Buffer };
    expect(row.token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path).includes(Buffer.from(token))).toBe(false);
    expect(store.studentByToken(token)?.name).toBe('alice');
    expect(store.studentByToken(`${token.slice(0, -1)}x`)).toBeNull();
    expect(store.serviceRole(token)).toBeNull();
  });

  test('names differing only in case are one student: refused as a second one, found either way', () => {
    const { store } = freshStore();
    const { student } = store.addStudent('Alice');
    expect(() => store.addStudent('alice')).toThrow(
      'student name: "alice" exists already as "Alice" (names differing only in case are one student)',
    );
    expect(() => store.addStudent('ALICE')).toThrow('exists already as "Alice"');
    expect(store.studentByName('aLiCe')).toEqual(student);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM students').get()).toEqual({ n: 1 });
  });

  test('names are checked and unique', () => {
    const { store } = freshStore();
    store.addStudent('alice');
    expect(() => store.addStudent('alice')).toThrow('exists already');
    expect(() => store.addStudent('<script>')).toThrow('expected 1-64 letters');
  });
});

describe('job leases', () => {
  test('one claim at a time; an expired lease is reclaimed; only the new holder finishes, once', () => {
    const { store, tick } = freshStore();
    const id = queueOne(store);
    const first = store.claimJob('w1', 10_000, 3)!;
    expect(first.submission_id).toBe(id);
    expect(store.submission(id)!.status).toBe('running');
    expect(store.claimJob('w2', 10_000, 3)).toBeNull();
    tick(9_999);
    expect(store.claimJob('w2', 10_000, 3)).toBeNull();
    tick(2);
    const second = store.claimJob('w2', 10_000, 3)!;
    expect(second.job_id).toBe(first.job_id);
    expect(second.attempts).toBe(2);
    expect(second.lease_id).not.toBe(first.lease_id);
    expect(store.finishJob(first.job_id, first.lease_id, 'w1', SCORE)).toBe(false);
    expect(store.renewLease(first.job_id, first.lease_id, 10_000)).toBe(false);
    expect(store.finishJob(second.job_id, second.lease_id, 'w2', SCORE)).toBe(true);
    expect(store.finishJob(second.job_id, second.lease_id, 'w2', SCORE)).toBe(false);
    expect(store.failJob(second.job_id, second.lease_id, 'x')).toBe(false);
    expect(store.submission(id)!.status).toBe('scored');
    expect(store.score(id)).toMatchObject({ worker: 'w2', public_val_loss: 3.5, private_hellaswag_acc: 0.5 });
    expect(store.queueCounts()).toEqual({ queued: 0, running: 0, done: 1, failed: 0 });
  });

  test('a renewed lease is not reclaimed', () => {
    const { store, tick } = freshStore();
    queueOne(store);
    const job = store.claimJob('w1', 10_000, 3)!;
    tick(8_000);
    expect(store.renewLease(job.job_id, job.lease_id, 10_000)).toBe(true);
    tick(8_000);
    expect(store.claimJob('w2', 10_000, 3)).toBeNull();
  });

  test('a job whose lease expired maxAttempts times is failed, and its submission uses no quota', () => {
    const { store, tick } = freshStore();
    const id = queueOne(store);
    const student = store.submission(id)!.student_id;
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(store.claimJob('w', 1_000, 2)?.attempts).toBe(attempt);
      tick(1_001);
    }
    expect(store.countedSubmissionsSince(student, 0)).toBe(1);
    expect(store.claimJob('w', 1_000, 2)).toBeNull();
    expect(store.submission(id)).toMatchObject({ status: 'failed' });
    expect(store.submission(id)!.error).toContain('after 2 attempts');
    expect(store.countedSubmissionsSince(student, 0)).toBe(0);
  });

  test('a released job goes back to the queue with its attempt not counted; only its lease holder releases it', () => {
    const { store } = freshStore();
    const id = queueOne(store);
    const first = store.claimJob('host:11', 10_000, 3)!;
    expect(store.releaseJob(first.job_id, 'not-the-lease')).toBe(false);
    expect(store.releaseJob(first.job_id, first.lease_id)).toBe(true);
    expect(store.submission(id)!.status).toBe('queued');
    // Claimed at once (no lease to wait for), still as attempt 1.
    const second = store.claimJob('host:12', 10_000, 3)!;
    expect(second.attempts).toBe(1);
    expect(store.releaseJob(first.job_id, first.lease_id)).toBe(false);
    expect(store.releaseJobsOf('host:11')).toBe(0);
    expect(store.releaseJobsOf('host:12')).toBe(1);
    expect(store.claimJob('host:13', 10_000, 3)!.attempts).toBe(1);
  });

  test('jobs are claimed oldest first', () => {
    const { store } = freshStore();
    const a = queueOne(store, 'a');
    const b = queueOne(store, 'b');
    expect(store.claimJob('w', 1000, 3)!.submission_id).toBe(a);
    expect(store.claimJob('w', 1000, 3)!.submission_id).toBe(b);
  });
});
