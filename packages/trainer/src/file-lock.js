// @ts-check
/**
 * A lock file beside a shared file (budget.json → budget.json.lock), so that
 * processes, and the ledger's heartbeat thread, update the file in turn:
 *
 *   acquire: create the lock with O_CREAT | O_EXCL ('wx'), write {pid, host, at};
 *            when it exists, wait (1, 2, … up to 50 ms between tries) up to waitMs;
 *   release: delete it (only if it is still the file this holder created).
 *
 * A lock is stale, and is broken, when its process is gone (same host:
 * kill(pid, 0) fails with ESRCH) or its file is older than staleMs (a lock held
 * on another host, or by a process that died before writing its pid). A lock is
 * held for one read-modify-write of a small file (milliseconds), so 30 s is
 * far past any live holder. Breaking renames the lock aside first and puts it
 * back when the renamed file is not the one judged stale (another inode): two
 * processes breaking one stale lock do not delete the fresh lock of a third.
 *
 * Plain JavaScript, checked by tsc: the heartbeat worker thread runs it as it
 * is (Node has no TypeScript loader there), so both threads share this code.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';

export const LOCK_STALE_MS = 30_000;
export const LOCK_WAIT_MS = 60_000;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks this thread for `ms` milliseconds (no event loop is needed).
 * @param {number} ms
 */
export function sleepSync(ms) {
  Atomics.wait(pause, 0, 0, ms);
}

/**
 * Whether process `pid` exists on this host (EPERM: it exists, owned by someone else).
 * @param {number} pid
 */
export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

/** @param {unknown} err */
function errorCode(err) {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

/**
 * Runs `fn` while holding `lockPath`. Errors other than a busy lock (EACCES,
 * ENOENT for a missing folder, EROFS…) are thrown as they are; a lock still
 * busy after waitMs is an Error with code 'ELOCKED' naming the lock and its holder.
 * @template T
 * @param {string} lockPath
 * @param {() => T} fn
 * @param {{ staleMs?: number, waitMs?: number }} [opts]
 * @returns {T}
 */
export function withFileLock(lockPath, fn, opts = {}) {
  const ino = acquire(lockPath, opts.staleMs ?? LOCK_STALE_MS, opts.waitMs ?? LOCK_WAIT_MS);
  try {
    return fn();
  } finally {
    release(lockPath, ino);
  }
}

/**
 * @param {string} lockPath
 * @param {number} staleMs
 * @param {number} waitMs
 * @returns {number} the inode of the lock this holder created
 */
function acquire(lockPath, staleMs, waitMs) {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    const ino = tryCreate(lockPath);
    if (ino !== null) return ino;
    if (breakIfStale(lockPath, staleMs)) continue;
    if (Date.now() > deadline) {
      const error = new Error(
        `${lockPath}: locked by ${describeHolder(lockPath)} for over ${waitMs / 1000} s; if no run is using the ledger, delete the lock file`,
      );
      Object.assign(error, { code: 'ELOCKED' });
      throw error;
    }
    sleepSync(Math.min(50, attempt));
  }
}

/**
 * Creates the lock, or returns null when it exists.
 * @param {string} lockPath
 * @returns {number | null}
 */
function tryCreate(lockPath) {
  let fd;
  try {
    fd = openSync(lockPath, 'wx');
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return null;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
    return fstatSync(fd).ino;
  } catch (err) {
    unlinkSync(lockPath);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * @param {string} lockPath
 * @param {number} ino
 */
function release(lockPath, ino) {
  try {
    if (statSync(lockPath).ino === ino) unlinkSync(lockPath);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

/**
 * @param {string} lockPath
 * @returns {{ pid?: unknown, host?: unknown } | null}
 */
function readHolder(lockPath) {
  try {
    const holder = JSON.parse(readFileSync(lockPath, 'utf8'));
    return typeof holder === 'object' && holder !== null ? holder : null;
  } catch {
    return null; // being written, or gone
  }
}

/** @param {string} lockPath */
function describeHolder(lockPath) {
  const holder = readHolder(lockPath);
  return holder ? `process ${holder.pid} on ${holder.host}` : 'an unknown process';
}

/**
 * Breaks the lock if it is stale; true when the caller should try to create it again.
 * @param {string} lockPath
 * @param {number} staleMs
 */
function breakIfStale(lockPath, staleMs) {
  let stat;
  try {
    stat = statSync(lockPath);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true; // released meanwhile
    throw err;
  }
  const holder = readHolder(lockPath);
  const gone =
    holder !== null &&
    holder.host === hostname() &&
    typeof holder.pid === 'number' &&
    !processAlive(holder.pid);
  if (!gone && Date.now() - stat.mtimeMs <= staleMs) return false;
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockPath, aside);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true; // someone else broke it first
    throw err;
  }
  if (statSync(aside).ino !== stat.ino) {
    // Not the lock judged stale: a fresh one taken since. Put it back unless yet another exists.
    try {
      linkSync(aside, lockPath);
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
  }
  unlinkSync(aside);
  return true;
}
