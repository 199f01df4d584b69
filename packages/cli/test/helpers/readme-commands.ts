/**
 * The READMEs' shell commands, checked as a shell started at the repository root would
 * meet them, without running them:
 *
 * - extract: every fenced block labelled ```sh, ```bash, ```shell, ```console (only its
 *   `$ ` lines) or unlabelled is shell; ```text and every other label is not. Lines ending
 *   in `\` continue; `# …` comments are dropped. A command whose own comment, or a comment
 *   line just above it, starts `# not run here:` is illustrative (say why after the colon):
 *   it is listed, not checked.
 * - split: `&&`, `||`, `;`, `|`, `&` separate simple commands; `>`/`>>` create a file,
 *   `<` reads one; leading `NAME=value` words are environment.
 * - check each simple command: the program exists (`npx BIN`: a workspace package's "bin"
 *   or node_modules/.bin; `npm run [-w WS] SCRIPT`, `npm start`, `npm test`: the workspace
 *   and script; `node FILE`; a few system tools); the course's own CLIs parse the argv with
 *   the parser their bin uses (commander programs with every action replaced by a no-op,
 *   `parseTrainArgs`, the assignments' strict `parseArgs`); every argument that looks like a
 *   path is in the repository (git's tracked and unignored files) or under a path an earlier
 *   command of the same README creates (`-o`/`--out`/`--db`/… values, redirections,
 *   `course data default`'s data-cache/sotu, a sweep's folder).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCourseGrade } from '@course/grader';
import { runLeaderboardCli } from '@course/leaderboard';
import { parseTrainArgs } from '@course/trainer';
import { Command } from 'commander';
import { runCourse } from '../../src/run.js';

export interface ReadmeCommand {
  file: string;
  line: number;
  text: string;
  /** Set for a command marked `# not run here: WHY`: the why. */
  illustrative?: string;
}

const SHELL_LABELS = new Set(['', 'sh', 'bash', 'shell', 'zsh', 'console']);
const ILLUSTRATIVE = /^#\s*not run here:\s*(.*)$/i;

/** The command and its comment: `#` starts a comment at a word's start, outside quotes. */
function splitComment(line: string): { code: string; comment: string } {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1])))
      return { code: line.slice(0, i).trim(), comment: line.slice(i).trim() };
  }
  return { code: line.trim(), comment: '' };
}

/** Every shell command of `markdown`'s fenced shell blocks, with its line number. */
export function extractCommands(markdown: string, file: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const commands: ReadmeCommand[] = [];
  let fence: { marker: string; shell: boolean; console: boolean } | null = null;
  let pending: { text: string; line: number } | null = null;
  let markNext: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const open = /^\s*(`{3,}|~{3,})\s*([^\s`{]*)/.exec(raw);
    if (!fence) {
      if (open) {
        const label = open[2].toLowerCase();
        fence = { marker: open[1], shell: SHELL_LABELS.has(label), console: label === 'console' };
        markNext = undefined;
      }
      continue;
    }
    if (raw.trim().startsWith(fence.marker) && /^(`+|~+)$/.test(raw.trim())) {
      fence = null;
      pending = null;
      continue;
    }
    if (!fence.shell) continue;
    let text = raw;
    if (!pending && fence.console) {
      if (!/^\s*\$ /.test(raw)) continue; // output
      text = raw.replace(/^\s*\$ /, '');
    }
    const continued = /\\\s*$/.test(text);
    const body = continued ? text.replace(/\\\s*$/, '') : text;
    const start: number = pending?.line ?? i + 1;
    const joined: string = pending ? `${pending.text.trimEnd()} ${body.trim()}` : body;
    if (continued) {
      pending = { text: joined, line: start };
      continue;
    }
    pending = null;
    const { code, comment } = splitComment(joined);
    const mark = ILLUSTRATIVE.exec(comment);
    if (!code) {
      if (mark) markNext = mark[1] || 'marked illustrative';
      continue;
    }
    const illustrative = mark ? mark[1] || 'marked illustrative' : markNext;
    commands.push({ file, line: start, text: code, ...(illustrative ? { illustrative } : {}) });
    markNext = undefined;
  }
  return commands;
}

// ---- shell words

interface Word {
  text: string;
  /** Contains `$…` expansion: its value is unknown here. */
  expands: boolean;
  /** Unquoted `*`, `?` or `[`: the shell expands it. */
  glob: boolean;
}
type Token = { op: string } | { word: Word };

function tokenize(code: string): Token[] {
  const tokens: Token[] = [];
  let cur: Word | null = null;
  const word = (): Word => {
    cur ??= { text: '', expands: false, glob: false };
    return cur;
  };
  const end = () => {
    if (cur) tokens.push({ word: cur });
    cur = null;
  };
  /** `$(…)` or `${…}` or `$NAME` starting at i; returns its end (exclusive). */
  const expansion = (i: number): number => {
    const open = code[i + 1];
    if (open === '(' || open === '{') {
      const close = open === '(' ? ')' : '}';
      let depth = 0;
      for (let j = i + 1; j < code.length; j++) {
        if (code[j] === open) depth++;
        else if (code[j] === close && --depth === 0) return j + 1;
      }
      return code.length;
    }
    let j = i + 1;
    while (j < code.length && /\w/.test(code[j])) j++;
    return j;
  };
  for (let i = 0; i < code.length; ) {
    const c = code[i];
    if (/\s/.test(c)) {
      end();
      i++;
    } else if (c === "'") {
      const j = code.indexOf("'", i + 1);
      word().text += code.slice(i + 1, j < 0 ? code.length : j);
      i = j < 0 ? code.length : j + 1;
    } else if (c === '"') {
      const w = word();
      let j = i + 1;
      while (j < code.length && code[j] !== '"') {
        if (code[j] === '$') {
          const k = expansion(j);
          w.text += code.slice(j, k);
          w.expands = true;
          j = k;
        } else {
          if (code[j] === '\\') j++;
          w.text += code[j] ?? '';
          j++;
        }
      }
      i = j + 1;
    } else if (c === '\\') {
      word().text += code[i + 1] ?? '';
      i += 2;
    } else if (c === '$') {
      const k = expansion(i);
      const w = word();
      w.text += code.slice(i, k);
      w.expands = true;
      i = k;
    } else if ('&|;<>'.includes(c)) {
      const fd = cur as Word | null; // set by word(), which TypeScript's narrowing does not see
      if (fd && /^[0-9]$/.test(fd.text) && (c === '>' || c === '<'))
        cur = null; // 2> file
      else end();
      const op = /^(&&|\|\||>>|>&[0-9]|[&|;<>])/.exec(code.slice(i))![1];
      tokens.push({ op });
      i += op.length;
    } else {
      const w = word();
      if ('*?['.includes(c)) w.glob = true;
      w.text += c;
      i++;
    }
  }
  end();
  return tokens;
}

interface SimpleCommand {
  env: Record<string, string>;
  words: Word[];
  reads: string[];
  writes: string[];
}

function simpleCommands(code: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let cur: SimpleCommand = { env: {}, words: [], reads: [], writes: [] };
  const tokens = tokenize(code);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if ('op' in t) {
      if (t.op === '>' || t.op === '>>' || t.op === '<') {
        const next = tokens[i + 1];
        if (next && 'word' in next) {
          (t.op === '<' ? cur.reads : cur.writes).push(next.word.text);
          i++;
        }
      } else if (!t.op.startsWith('>&')) {
        out.push(cur);
        cur = { env: {}, words: [], reads: [], writes: [] };
      }
      continue;
    }
    const env = /^([A-Za-z_]\w*)=(.*)$/.exec(t.word.text);
    if (cur.words.length === 0 && env) cur.env[env[1]] = env[2];
    else cur.words.push(t.word);
  }
  out.push(cur);
  return out.filter((c) => c.words.length > 0);
}

// ---- the repository

export interface Repo {
  root: string;
  /** Files git tracks or would track (not ignored), and every folder above them. */
  paths: Set<string>;
  /** Workspace name and folder -> its package.json. */
  workspaces: Map<
    string,
    { dir: string; name: string; bin: Record<string, string>; scripts: Record<string, string> }
  >;
  rootScripts: Record<string, string>;
}

export function loadRepo(root: string): Repo {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter((p) => p && existsSync(join(root, p)));
  const paths = new Set<string>();
  for (const p of listed) {
    const parts = p.split('/');
    for (let k = 1; k <= parts.length; k++) paths.add(parts.slice(0, k).join('/'));
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const workspaces: Repo['workspaces'] = new Map();
  for (const group of ['packages', 'assignments']) {
    for (const name of readdirSync(join(root, group))) {
      const file = join(root, group, name, 'package.json');
      if (!existsSync(file)) continue;
      const p = JSON.parse(readFileSync(file, 'utf8'));
      const ws = { dir: `${group}/${name}`, name: p.name, bin: p.bin ?? {}, scripts: p.scripts ?? {} };
      workspaces.set(p.name, ws);
      workspaces.set(ws.dir, ws);
    }
  }
  return { root, paths, workspaces, rootScripts: pkg.scripts ?? {} };
}

/** The README files the test covers: every README.md git tracks or would (node_modules is ignored). */
export function readmeFiles(repo: Repo): string[] {
  return [...repo.paths].filter((p) => /(^|\/)README\.md$/.test(p)).sort();
}

function normalize(path: string): string {
  return posix.normalize(path.replace(/^\.\//, '')).replace(/\/+$/, '');
}

function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Does the repository hold `path` (a glob: something it matches), or will an earlier command have made it? */
function provided(repo: Repo, created: string[], path: string, glob: boolean): boolean {
  const p = normalize(path);
  const under = (c: string, q: string) => q === c || q.startsWith(`${c}/`);
  if (!glob) return repo.paths.has(p) || created.some((c) => under(c, p));
  const re = globRegex(p);
  const literal = p.slice(0, p.search(/[*?[]/));
  const literalDir = literal.includes('/') ? literal.slice(0, literal.lastIndexOf('/')) : '';
  for (const q of repo.paths) if (re.test(q)) return true;
  return created.some((c) => re.test(c) || (literalDir !== '' && under(c, literalDir)));
}

const PATH_EXTENSIONS =
  /\.(bin|json|jsonl|csv|tsv|txt|md|svg|png|zip|db|ts|js|mjs|cjs|py|safetensors|token)$/;

function looksLikePath(w: Word): boolean {
  if (w.expands || w.text.startsWith('-') || w.text.includes('://')) return false;
  return w.text.includes('/') || PATH_EXTENSIONS.test(w.text) || w.glob;
}

/** Flags whose value is written (a folder or file made if missing), not read. */
const OUTPUT_FLAGS = new Set(['-o', '--out', '--db', '--ledger', '--dir', '--cache']);

// ---- the course's own CLIs, parsed without running

interface Captured {
  code: number;
  stderr: string;
}

/** Runs `run` with every commander action replaced by a no-op: parsing, flag and argument checks only. */
async function parseOnly(run: (io: { stdout: Sink; stderr: Sink }) => Promise<number>): Promise<Captured> {
  const stderr: string[] = [];
  const sink: Sink = { write: () => true };
  const action = Command.prototype.action;
  Command.prototype.action = function (this: Command) {
    return action.call(this, () => {});
  };
  try {
    const code = await run({ stdout: sink, stderr: { write: (t: string) => stderr.push(t) } });
    return { code, stderr: stderr.join('') };
  } finally {
    Command.prototype.action = action;
  }
}
interface Sink {
  write(text: string): unknown;
}

/** The assignments' scripts: strict parseArgs throws on an unknown flag before `--help` is looked at. */
async function scriptMain(repo: Repo, srcFile: string, argv: string[]): Promise<Captured | null> {
  const file = join(repo.root, srcFile);
  if (!existsSync(file)) return null;
  const mod = await import(pathToFileURL(file).href);
  if (typeof mod.main !== 'function') return null;
  const stderr: string[] = [];
  const code: number = await mod.main([...argv, '--help'], {
    stdout: { write: () => true },
    stderr: { write: (t: string) => stderr.push(t) },
  });
  return { code, stderr: stderr.join('') };
}

/** `node dist/X.js ARGS` in a workspace's script -> src/X.ts and ARGS. */
function scriptEntry(ws: { dir: string }, script: string): { src: string; args: string[] } | null {
  const last = script.split('&&').at(-1)!.trim().split(/\s+/);
  if (last[0] !== 'node' || !last[1]?.startsWith('dist/')) return null;
  return { src: `${ws.dir}/src/${last[1].slice(5).replace(/\.js$/, '.ts')}`, args: last.slice(2) };
}

/** What the root `npm start` (packages/cli/src/demo.ts) reads from its argv. */
const DEMO_FLAGS = ['--once'];

const MAKERS = new Set(['mkdir', 'touch']);
const SYSTEM_TOOLS = new Set([
  'cp',
  'mv',
  'touch',
  'cat',
  'head',
  'tail',
  'ls',
  'mkdir',
  'echo',
  'sleep',
  'kill',
  'wait',
  'curl',
  'unzip',
  'sudo',
  'apt-get',
  'xcode-select',
  'nice',
]);

export interface Problem {
  command: ReadmeCommand;
  problem: string;
}

interface Context {
  repo: Repo;
  created: string[];
}

const plain = (words: Word[]) => words.map((w) => (w.expands ? 'x' : w.text));

function checkPaths(ctx: Context, words: Word[], report: (p: string) => void): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const eq = w.text.indexOf('=');
    const flag = w.text.startsWith('--') && eq > 0 ? w.text.slice(0, eq) : w.text;
    if (OUTPUT_FLAGS.has(flag)) {
      const value = eq > 0 && flag !== w.text ? w.text.slice(eq + 1) : words[++i]?.text;
      if (value) ctx.created.push(normalize(value));
      continue;
    }
    if (w.text.startsWith('--') && eq > 0) {
      const value: Word = { ...w, text: w.text.slice(eq + 1) };
      if (looksLikePath(value) && !provided(ctx.repo, ctx.created, value.text, value.glob))
        report(`${value.text}: not in the repository and not made by an earlier command of this README`);
      continue;
    }
    if (looksLikePath(w) && !provided(ctx.repo, ctx.created, w.text, w.glob))
      report(`${w.text}: not in the repository and not made by an earlier command of this README`);
  }
}

async function checkBin(
  ctx: Context,
  bin: string,
  words: Word[],
  report: (p: string) => void,
): Promise<void> {
  const args = plain(words);
  const failed = (what: string, r: Captured | null) => {
    if (r && r.code !== 0) report(`${what} rejects its arguments: ${r.stderr.trim().split('\n')[0]}`);
  };
  if (bin === 'course') failed('course', await parseOnly((io) => runCourse(args, io)));
  else if (bin === 'course-grade') failed('course-grade', await parseOnly((io) => runCourseGrade(args, io)));
  else if (bin === 'course-leaderboard')
    failed('course-leaderboard', await parseOnly((io) => runLeaderboardCli(args, io)));
  else if (bin === 'train_gpt2cu') {
    try {
      const o = parseTrainArgs(args, {});
      if (!o.help) {
        // Its defaults are llm.c's paths (data/fineweb_*), absent here: a command must name its data.
        const inputs: [string, string][] = [
          ['-id', o.trainPattern],
          ['-iv', o.valPattern],
        ];
        if (o.hellaswag) inputs.push(['-ih', o.hellaswagPath]);
        if (o.initFrom) inputs.push(['-e', o.initFrom]);
        for (const [flag, p] of inputs)
          if (!provided(ctx.repo, ctx.created, p, /[*?[]/.test(p)))
            report(
              `train_gpt2cu ${flag} ${p}: no such data here (name it with ${flag}, or see \`course data default\`)`,
            );
      }
    } catch (err) {
      report(`train_gpt2cu rejects its arguments: ${(err as Error).message}`);
    }
  } else {
    const ws = [...ctx.repo.workspaces.values()].find((w) => w.bin[bin]);
    const target = ws?.bin[bin];
    if (ws && target) {
      const src = `${ws.dir}/src/${target.replace(/^\.\/bin\//, 'bin/').replace(/\.js$/, '.ts')}`;
      failed(bin, await scriptMain(ctx.repo, src, args));
    }
  }
}

/** `npm …`: the workspace, the script, and the arguments after `--`. */
async function checkNpm(ctx: Context, words: Word[], report: (p: string) => void): Promise<void> {
  const args = plain(words);
  const dash = args.indexOf('--');
  const before = dash < 0 ? args : args.slice(0, dash);
  const after = dash < 0 ? [] : args.slice(dash + 1);
  let workspace: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const a = before[i];
    if (a === '-w' || a === '--workspace') workspace = before[++i];
    else if (a.startsWith('--workspace=')) workspace = a.slice('--workspace='.length);
    else if (a.startsWith('-')) report(`npm: option ${a} is not one this check knows`);
    else rest.push(a);
  }
  const [verb, script, ...extra] = rest;
  if (['ci', 'install', 'i'].includes(verb) && !workspace) return;
  const name =
    verb === 'start' || verb === 'test' ? verb : verb === 'run' || verb === 'run-script' ? script : undefined;
  if (!name) return report(`npm ${verb}: not a command this check knows`);
  if (verb === 'run' && extra.length > 0)
    report(`npm run ${name} ${extra.join(' ')}: arguments go after \`--\``);
  const ws = workspace === undefined ? undefined : ctx.repo.workspaces.get(normalize(workspace));
  if (workspace !== undefined && !ws) return report(`npm -w ${workspace}: no such workspace`);
  const scripts = ws ? ws.scripts : ctx.repo.rootScripts;
  const script_ = scripts[name];
  if (script_ === undefined)
    return report(
      `npm: ${ws ? ws.name : 'the root package'} has no script "${name}" (it has ${Object.keys(scripts).join(', ')})`,
    );
  if (!ws && name === 'start') {
    for (const a of after)
      if (!DEMO_FLAGS.includes(a)) report(`npm start -- ${a}: the demo takes only ${DEMO_FLAGS.join(', ')}`);
    return;
  }
  if (!ws) return;
  const entry = scriptEntry(ws, script_);
  if (!entry) return;
  const r = await scriptMain(ctx.repo, entry.src, [...entry.args, ...after]);
  if (r && r.code !== 0)
    report(`${ws.name} ${name} rejects its arguments: ${r.stderr.trim().split('\n')[0]}`);
  if (dash >= 0) checkPaths(ctx, words.slice(words.findIndex((w) => w.text === '--') + 1), report);
}

/** Paths a command is known to make besides its output flags' values. */
function madeBy(words: string[]): string[] {
  const [bin, sub, sub2] = words[0] === 'npx' ? words.slice(1) : words;
  if (bin !== 'course') return [];
  const flag = (f: string) => {
    const i = words.indexOf(f);
    return i < 0 ? undefined : words[i + 1];
  };
  if (sub === 'data' && sub2 === 'default') return [flag('--dir') ?? 'data-cache/sotu'];
  if (sub === 'sweep' && !words.includes('--plan')) {
    const config = flag('--config');
    if (config && !flag('--out')) return [config.replace(/\.json$/, '')];
  }
  return [];
}

/** Every problem of `commands` (one README, in order). Illustrative commands are skipped. */
export async function checkCommands(repo: Repo, commands: ReadmeCommand[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const ctx: Context = { repo, created: [] };
  for (const command of commands) {
    if (command.illustrative) continue;
    const report = (problem: string) => problems.push({ command, problem });
    for (const simple of simpleCommands(command.text)) {
      for (const r of simple.reads)
        if (!provided(repo, ctx.created, r, false)) report(`< ${r}: no such file`);
      const [program, ...rest] = simple.words;
      const prog = program.text;
      if (prog === 'npx') {
        const [binWord, ...args] = rest;
        const bin = binWord?.text ?? '';
        const known =
          [...repo.workspaces.values()].some((w) => w.bin[bin]) ||
          existsSync(join(repo.root, 'node_modules', '.bin', bin));
        if (!known) report(`npx ${bin}: no workspace bin or installed package of that name`);
        else {
          await checkBin(ctx, bin, args, report);
          checkPaths(ctx, args, report);
        }
      } else if (prog === 'npm') await checkNpm(ctx, rest, report);
      else if (prog === 'node') {
        if (!rest[0] || !provided(repo, ctx.created, rest[0].text, false))
          report(`node ${rest[0]?.text ?? ''}: no such file`);
        checkPaths(ctx, rest.slice(1), report);
      } else if ([...repo.workspaces.values()].some((w) => w.bin[prog])) {
        report(`${prog} is not on the PATH at the repository root: write \`npx ${prog}\``);
        await checkBin(ctx, prog, rest, report);
        checkPaths(ctx, rest, report);
      } else if (SYSTEM_TOOLS.has(prog)) {
        const operands = rest.filter((w) => !w.text.startsWith('-'));
        // cp/mv SRC… DEST and mkdir/touch DIR…: what they make is not read
        const made = prog === 'cp' || prog === 'mv' ? operands.slice(-1) : MAKERS.has(prog) ? operands : [];
        checkPaths(
          ctx,
          rest.filter((w) => !made.includes(w)),
          report,
        );
        ctx.created.push(...made.map((w) => normalize(w.text)));
      } else report(`${prog}: not a program this check knows (npx, npm, node or a system tool)`);
      ctx.created.push(...madeBy(plain(simple.words)).map(normalize), ...simple.writes.map(normalize));
    }
  }
  return problems;
}
