/**
 * Where a leaderboard keeps its files, next to its database. Shared by the web
 * server and the local workers; it imports nothing, so a worker loads no
 * web-server code.
 *
 *   <db>.files/checkpoints/<sha256>.bin   accepted checkpoints, one copy per file
 *   <db>.files/uploads/                    uploads in progress (emptied at every start)
 *   <db>.files/heldout/<fingerprint>/      the public/private split (heldout.ts)
 */
import { join } from 'node:path';

/** Where a database's files live: next to it, `<db>.files/`. */
export function dataDirFor(dbPath: string): string {
  return `${dbPath}.files`;
}

export function checkpointPath(dataDir: string, sha256: string): string {
  return join(dataDir, 'checkpoints', `${sha256}.bin`);
}

export function uploadDirOf(dataDir: string): string {
  return join(dataDir, 'uploads');
}
