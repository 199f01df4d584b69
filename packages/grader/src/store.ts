/**
 * The raw submission as graded, kept for regrades (issue #5): OUT/submissions/<student>/raw/
 * holds every file grading read (answers.json and the artifacts the spec's questions
 * opened, byte for byte, after the loader's path rules and size limits), Gradescope's
 * submission_metadata.json when there was one, and manifest.json with each file's sha256.
 * `course-grade SPEC --regrade OUT` grades these copies again; a copy that no longer matches
 * its manifest is refused, never graded.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { InputError, writeFileAtomic } from '@course/models';
import { isSafeRelativePath } from './spec.js';
import { loadSubmission, type Submission } from './submission.js';

export interface RawFileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface RawManifest {
  student: string;
  /** Files under raw/files/, sorted by path. */
  files: RawFileEntry[];
  /** raw/submission_metadata.json (Gradescope's, sets the submission time). */
  metadata?: Omit<RawFileEntry, 'path'>;
  /** The `--submitted-at` the grading used, when the submission had no metadata time. */
  submittedAt?: string;
}

/** A stored copy that no longer matches its manifest: that student is not regraded. */
export class RefusedCopyError extends InputError {
  constructor(
    readonly student: string,
    message: string,
    /** Why, for gradebook.csv and summary.md: paths relative to OUT/submissions/<student>/. */
    readonly why: string,
  ) {
    super(message);
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const entry = (path: string, b: Buffer): RawFileEntry => ({ path, bytes: b.length, sha256: sha256(b) });

/** Writes `studentDir`/raw/ from what grading read, replacing an earlier copy whole. */
export function storeRawSubmission(studentDir: string, sub: Submission, submittedAt?: Date): void {
  const raw = join(studentDir, 'raw');
  const next = join(studentDir, 'raw.new');
  rmSync(next, { recursive: true, force: true });
  const paths = [...sub.read.keys()].sort();
  mkdirSync(join(next, 'files'), { recursive: true });
  for (const p of paths) {
    mkdirSync(dirname(join(next, 'files', p)), { recursive: true });
    writeFileAtomic(join(next, 'files', p), sub.read.get(p)!);
  }
  const manifest: RawManifest = { student: sub.student, files: paths.map((p) => entry(p, sub.read.get(p)!)) };
  if (sub.metadataBytes) {
    writeFileAtomic(join(next, 'submission_metadata.json'), sub.metadataBytes);
    const { path: _, ...m } = entry('', sub.metadataBytes);
    manifest.metadata = m;
  } else if (submittedAt) {
    manifest.submittedAt = submittedAt.toISOString();
  }
  writeFileAtomic(join(next, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // The earlier copy goes only once the new one is complete.
  rmSync(raw, { recursive: true, force: true });
  renameSync(next, raw);
}

/** Students under OUT/submissions/ with a stored raw copy, sorted. */
export function storedStudents(out: string): string[] {
  const root = join(out, 'submissions');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((s) => existsSync(join(root, s, 'raw', 'manifest.json')))
    .sort();
}

/** Every regular file under `dir`, as posix paths relative to it; a symlink or other oddity throws. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix + e.name;
    if (e.isDirectory()) return listFiles(join(dir, e.name), `${rel}/`);
    if (e.isFile()) return [rel];
    throw new Error(`${rel} is not a regular file`);
  });
}

/**
 * Loads the stored copy of `student` for grading, after checking every file against the
 * manifest. Throws an InputError naming the file when anything was changed, added or removed.
 */
export function loadRawSubmission(
  out: string,
  student: string,
  answersBytes: number,
): { sub: Submission; submittedAt?: Date } {
  const raw = join(out, 'submissions', student, 'raw');
  const manifestPath = join(raw, 'manifest.json');
  const studentDir = join(out, 'submissions', student);
  const refuse = (why: string) =>
    new RefusedCopyError(
      student,
      `${why}; ${student} not regraded (the stored copy was changed after grading)`,
      `stored copy changed after grading: ${why.split(`${studentDir}${sep}`).join('')}`,
    );
  let manifest: RawManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (!Array.isArray(manifest.files) || manifest.student !== student) throw new Error('not this student');
  } catch (err) {
    throw refuse(
      `${manifestPath}: not a manifest of ${student}'s stored submission (${(err as Error).message})`,
    );
  }
  const files = join(raw, 'files');
  let present: string[];
  try {
    present = listFiles(files);
  } catch (err) {
    throw refuse(`${files}: ${(err as Error).message}`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  const extra = present.filter((p) => !listed.has(p)).sort();
  if (extra.length > 0) throw refuse(`${files}: ${extra.join(', ')} not in manifest.json`);
  const check = (path: string, expected: Omit<RawFileEntry, 'path'>) => {
    if (!existsSync(path) || !lstatSync(path).isFile())
      throw refuse(`${path}: missing (listed in manifest.json)`);
    const actual = sha256(readFileSync(path));
    if (actual !== expected.sha256)
      throw refuse(`${path}: sha256 ${actual} does not match manifest.json (${expected.sha256})`);
  };
  for (const f of manifest.files) {
    if (!isSafeRelativePath(f.path))
      throw refuse(`${manifestPath}: "${f.path}" is not a path inside raw/files`);
    check(join(files, f.path), f);
  }
  const metadata = join(raw, 'submission_metadata.json');
  if (manifest.metadata) check(metadata, manifest.metadata);
  else if (existsSync(metadata)) throw refuse(`${metadata}: not in manifest.json`);
  const sub = loadSubmission(files, {
    answersBytes,
    student,
    metadata: manifest.metadata ? metadata : undefined,
  });
  const submittedAt = manifest.submittedAt ? new Date(manifest.submittedAt) : undefined;
  return { sub, submittedAt };
}
