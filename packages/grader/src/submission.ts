/**
 * A student's submission on disk: a folder with `answers.json` and the artifacts
 * it names, or Gradescope's layout (`/autograder/submission/…` with
 * `/autograder/submission_metadata.json` beside it; only that autograder folder's metadata
 * sets the submission time, see autograderRoot). Nothing here throws on a
 * bad submission: every problem is recorded and becomes a per-question message.
 * Student files are only ever read as text or JSON, never executed. A path to
 * a `.json` file is an answers file whose folder holds the artifacts.
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { describeJsonError } from './json-errors.js';
import { isSafeRelativePath } from './spec.js';

export interface Submission {
  /** The folder holding answers.json (Gradescope: .../submission). */
  dir: string;
  /** Who: the submission folder's name (Gradescope: the folder given on the command line). */
  student: string;
  /** answers.json parsed; undefined when it could not be read (see `problem`). */
  answers?: Record<string, unknown>;
  /** Why answers.json is unusable, for every question's feedback. */
  problem?: string;
  /** From submission_metadata.json `created_at`, when present and valid. */
  submittedAt?: Date;
  /** Problems with submission_metadata.json (reported, never fatal). */
  notes: string[];
  /**
   * Every file grading read, by path relative to `dir`, byte for byte as read (after the
   * path rules and size limits): what `course-grade --out` stores for a later regrade.
   */
  read: Map<string, Buffer>;
  /** submission_metadata.json as read, when there was one. */
  metadataBytes?: Buffer;
}

/** A bare NaN/Infinity in answers.json (Python's json.dump writes them) arrives as this marker. */
export const NON_FINITE = '\u0000non-finite:';

/**
 * Gradescope's autograder folder: /autograder on Gradescope, COURSE_AUTOGRADER_ROOT when set
 * (tests, a TA trying run_autograder locally). Only its submission_metadata.json sets the
 * submission time: a student can hand in a folder shaped like it.
 */
export function autograderRoot(): string {
  return realOrResolved(process.env.COURSE_AUTOGRADER_ROOT || '/autograder');
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

const IGNORED_METADATA =
  "submission_metadata.json ignored: only Gradescope's own (the autograder folder's) or --submitted-at sets the submission time";

interface Layout {
  dir: string;
  answers?: string;
  metadata?: string;
  student: string;
  notes: string[];
}

/**
 * Where answers.json lives for a path the user gave: the folder itself, or its `submission/`
 * child (Gradescope's /autograder), and whether a submission_metadata.json is Gradescope's.
 */
function layout(given: string): Layout {
  // Names come from the absolute path: `.` or `..` (a student checking their own folder) name no one.
  const path = resolve(given);
  // A bare answers file (examples/published-answers.json): its folder holds the artifacts.
  if (/\.json$/i.test(path) && existsSync(path) && statSync(path).isFile()) {
    return { dir: dirname(path), answers: path, student: basename(path).replace(/\.json$/i, ''), notes: [] };
  }
  const root = autograderRoot();
  const real = realOrResolved(path);
  const rootMetadata = join(root, 'submission_metadata.json');
  const own = join(path, 'answers.json');
  const gradescopeChild = join(path, 'submission');
  const metadataHere = join(path, 'submission_metadata.json');
  if (!existsSync(own) && existsSync(gradescopeChild) && existsSync(metadataHere)) {
    // The autograder folder itself, or a folder shaped like it (graded from submission/, undated).
    const gradescope = real === root;
    return {
      dir: gradescopeChild,
      metadata: gradescope ? rootMetadata : undefined,
      student: basename(path),
      notes: gradescope ? [] : [IGNORED_METADATA],
    };
  }
  if (basename(path) === 'submission') {
    const gradescope = dirname(real) === root && existsSync(rootMetadata);
    const besideParent = existsSync(join(dirname(path), 'submission_metadata.json'));
    return {
      dir: path,
      metadata: gradescope ? rootMetadata : undefined,
      student: basename(dirname(path)),
      notes: !gradescope && besideParent ? [IGNORED_METADATA] : [],
    };
  }
  // One inside the student's own folder is theirs to write.
  return { dir: path, student: basename(path), notes: existsSync(metadataHere) ? [IGNORED_METADATA] : [] };
}

/** The folders a submission path stands for: the path given and the folder grading reads from. */
export function submissionFolders(given: string): string[] {
  return [...new Set([resolve(given), resolve(layout(given).dir)])];
}

/** Reads at most `limit` bytes of a regular file; `problem` says why not. */
export function readLimited(
  path: string,
  limit: number,
): { text?: string; bytes?: Buffer; problem?: string } {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { problem: 'is not a regular file' };
    size = st.size;
  } catch (err) {
    return { problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'cannot be read' };
  }
  if (size > limit) return { problem: `is ${size} bytes, over the limit of ${limit}` };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    const bytes = buf.subarray(0, off);
    return { text: bytes.toString('utf8'), bytes };
  } finally {
    closeSync(fd);
  }
}

/**
 * JSON.parse, except that bare NaN, Infinity and -Infinity outside strings
 * become marker strings, so the question holding one gets its own message
 * ("NaN is not a number answer") instead of the whole file failing to parse.
 */
export function parseLenientJson(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const word = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (word && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      out += JSON.stringify(NON_FINITE + word[1]);
      i += word[1].length;
      continue;
    }
    out += c;
    i++;
  }
  return JSON.parse(out);
}

export interface LoadOptions {
  answersBytes: number;
  /** A stored copy (see store.ts): who it is and its metadata file, instead of guessing from the path. */
  student?: string;
  metadata?: string;
}

/** Loads a submission; never throws for anything the student controls. */
export function loadSubmission(path: string, opts: LoadOptions): Submission {
  const found = layout(path);
  const { dir, answers } = found;
  const student = opts.student ?? found.student;
  const metadata = opts.student !== undefined ? opts.metadata : found.metadata;
  const sub: Submission = {
    dir,
    student,
    notes: opts.student !== undefined ? [] : found.notes,
    read: new Map(),
  };
  if (metadata) readMetadata(metadata, sub);

  const answersPath = answers ?? join(dir, 'answers.json');
  if (!existsSync(dir)) {
    sub.problem = `${path}: no such file or folder`;
    return sub;
  }
  if (!statSync(dir).isDirectory()) {
    sub.problem = `${path}: not a folder (expected a submission folder or an answers .json file)`;
    return sub;
  }
  // A symlinked answers.json must not pull in another student's answers (or the key).
  const read = answers
    ? readLimited(answersPath, opts.answersBytes)
    : readArtifact(sub, 'answers.json', opts.answersBytes);
  if (answers && read.bytes) sub.read.set('answers.json', read.bytes);
  if (read.problem) {
    sub.problem = answers ? `${basename(answers)} ${read.problem}` : read.problem;
    if (!answers && read.problem === 'answers.json is missing') {
      if (readdirSync(dir).length === 0) sub.problem = 'the folder is empty (expected answers.json)';
      else sub.problem += nestedHint(dir);
    }
    return sub;
  }
  const text = read.text!.replace(/^\uFEFF/, '');
  try {
    const data = parseLenientJson(text);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      sub.problem = 'answers.json must hold one JSON object {"<question id>": answer, …}';
    } else {
      sub.answers = data as Record<string, unknown>;
    }
  } catch (err) {
    sub.problem = `answers.json is not valid JSON: ${describeJsonError(text, err)}`;
  }
  return sub;
}

/**
 * A zip of the homework folder puts answers.json one level down (hw5/answers.json):
 * say where it is, so the student knows what to re-upload. It is not graded from
 * there: artifact paths are relative to the submission's top.
 */
function nestedHint(dir: string): string {
  let found: string[] = [];
  try {
    found = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'answers.json')))
      .map((e) => `${e.name}/answers.json`)
      .sort();
  } catch {
    return '';
  }
  return found.length === 0
    ? ''
    : ` at the top of the submission (found ${found.join(', ')}: submit that folder's contents, not the folder)`;
}

function readMetadata(path: string, sub: Submission): void {
  const read = readLimited(path, 1 << 20);
  if (read.problem) {
    sub.notes.push(`submission_metadata.json ${read.problem}`);
    return;
  }
  sub.metadataBytes = read.bytes;
  try {
    const meta = JSON.parse(read.text!) as { created_at?: unknown };
    const at = typeof meta.created_at === 'string' ? new Date(meta.created_at) : undefined;
    if (at && !Number.isNaN(at.getTime())) sub.submittedAt = at;
    else sub.notes.push('submission_metadata.json: created_at is missing or not a date');
  } catch {
    sub.notes.push('submission_metadata.json is not valid JSON');
  }
}

/**
 * A file the student names, read only if its path stays inside the submission:
 * relative, no `..`, and (after symlinks) still under the submission folder.
 */
export function readArtifact(
  sub: Submission,
  relPath: string,
  limit: number,
): { text?: string; bytes?: Buffer; problem?: string } {
  if (!isSafeRelativePath(relPath))
    return { problem: `"${relPath}" is not a relative path inside the submission` };
  const full = join(sub.dir, relPath);
  let real: string;
  try {
    lstatSync(full);
    real = realpathSync(full);
  } catch {
    return { problem: `${relPath} is missing` };
  }
  const root = realpathSync(sub.dir);
  if (real !== root && !real.startsWith(root + sep)) {
    return { problem: `${relPath} points outside the submission` };
  }
  const read = readLimited(real, limit);
  if (read.problem) return { problem: `${relPath} ${read.problem}` };
  // Kept under its normalized name ("run//main.log" and "run/./main.log" are one file).
  sub.read.set(posix.normalize(relPath), read.bytes!);
  return read;
}
