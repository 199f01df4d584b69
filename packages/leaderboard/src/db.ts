/**
 * The leaderboard's SQLite database: students, submissions, the evaluation job
 * queue and scores, in one file opened by the web process and every local
 * worker (WAL, so readers never wait for the one writer).
 *
 * Schema changes are numbered migrations applied in order inside one
 * transaction each; `schema_migrations` records which have run, so an old
 * database file is brought up to date on open and nothing in it is lost.
 */
import Database from 'better-sqlite3';

export type DB = Database.Database;

/** Append only: never edit a migration that has shipped, add the next number. */
const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'students, submissions, jobs, scores, settings',
    sql: `
      CREATE TABLE students (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        token_hash BLOB NOT NULL UNIQUE,     -- sha256 of the bearer token
        created_at INTEGER NOT NULL           -- ms since the epoch (UTC)
      );
      CREATE TABLE service_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'worker')),
        token_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        student_id INTEGER NOT NULL REFERENCES students(id),
        checkpoint_sha256 TEXT NOT NULL,      -- the stored file is checkpoints/<sha256>.bin
        checkpoint_bytes INTEGER NOT NULL,
        checkpoint_version INTEGER NOT NULL,  -- 3 fp32 or 5 bf16
        original_name TEXT NOT NULL,
        max_lr REAL NOT NULL,
        spend_usd REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'scored', 'failed')),
        error TEXT,                           -- why it failed (shown to its owner only)
        created_at INTEGER NOT NULL
      );
      CREATE INDEX submissions_by_student ON submissions(student_id, created_at);
      CREATE INDEX submissions_by_hash ON submissions(checkpoint_sha256);
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL UNIQUE REFERENCES submissions(id),
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_id TEXT,                        -- random per claim: only its holder may finish the job
        lease_owner TEXT,                     -- which worker (for logs and the admin)
        lease_expires_at INTEGER,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX jobs_claimable ON jobs(state, lease_expires_at);
      CREATE TABLE scores (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL UNIQUE REFERENCES submissions(id),  -- scored exactly once
        evaluator_version TEXT NOT NULL,
        checkpoint_sha256 TEXT NOT NULL,
        heldout_sha256 TEXT NOT NULL,         -- JSON {file name: sha256} of the split files evaluated
        public_val_loss REAL,
        public_hellaswag_acc REAL,
        public_hellaswag_n INTEGER NOT NULL,
        private_val_loss REAL,
        private_hellaswag_acc REAL,
        private_hellaswag_n INTEGER NOT NULL,
        seconds REAL NOT NULL,
        worker TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL                   -- JSON
      );
    `,
  },
];

export function openDatabase(path: string): DB {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // Several processes share the file: wait for a writer instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  // WAL + NORMAL is durable against process crashes (kill -9); only a power cut can lose the last commits.
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return db;
}

/** Applies the migrations this file has not seen yet; returns the versions applied. */
export function migrate(db: DB): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied: number[] = [];
  // IMMEDIATE: two processes opening a fresh file at once must not both run migration 1.
  const step = db.transaction((m: (typeof MIGRATIONS)[number]) => {
    const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
    if (done) return;
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      m.version,
      m.name,
      Date.now(),
    );
    applied.push(m.version);
  });
  for (const m of MIGRATIONS) step.immediate(m);
  return applied;
}

export function schemaVersion(db: DB): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
