/**
 * `course-leaderboard` commands run in-process (runLeaderboardCli with a
 * captured io): tokens printed last, usage errors exit 2 with a message,
 * and the submit client and remote worker against a server over real HTTP.
 */
import { join } from 'node:path';
import { selectBackend } from '@course/models';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runLeaderboardCli } from '../src/cli.js';
import { openDatabase } from '../src/db.js';
import { Store } from '../src/store.js';
import { runRemoteWorker } from '../src/worker.js';
import {
  startTestServer,
  type TestServer,
  TINY_ARCH,
  tempDir,
  tinyCheckpoint,
  tinyConfig,
} from './helpers/fixtures.js';

/** A localhost URL nobody listens on (a port just freed). */
async function deadUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return `http://127.0.0.1:${port}`;
}

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runLeaderboardCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

const dir = tempDir('lb-cli-');
let server: TestServer;

beforeAll(async () => {
  await selectBackend('cpu');
  server = await startTestServer(tinyConfig(), dir);
});
afterAll(async () => {
  await server?.close();
});

describe('course-leaderboard', () => {
  test('add-student prints the token as the last line; the token authenticates that student', async () => {
    const db = join(tempDir(), 'class.db');
    const { code, stdout } = await cli(['add-student', 'alice', '--db', db]);
    expect(code).toBe(0);
    const token = stdout.trim().split('\n').at(-1)!;
    const store = new Store(openDatabase(db));
    expect(store.studentByToken(token)?.name).toBe('alice');
    store.db.close();
    const again = await cli(['add-student', 'alice', '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('error: student name: "alice" exists already');
  });

  test('add-token --role worker prints a worker token last', async () => {
    const db = join(tempDir(), 'class.db');
    const { code, stdout } = await cli(['add-token', 'gpu-box', '--role', 'worker', '--db', db]);
    expect(code).toBe(0);
    const store = new Store(openDatabase(db));
    expect(store.serviceRole(stdout.trim().split('\n').at(-1)!)).toEqual({ name: 'gpu-box', role: 'worker' });
    store.db.close();
  });

  test('usage errors exit 2 and name the flag', async () => {
    const noData = await cli(['serve', '--db', join(dir, 'x.db')]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain('--val / --hellaswag: found neither');
    const badLr = await cli([
      'submit',
      '--server',
      'http://x',
      '--token',
      't',
      '--checkpoint',
      'm.bin',
      '--max-lr',
      '-1',
      '--spend-usd',
      '0',
    ]);
    expect(badLr.code).toBe(2);
    expect(badLr.stderr).toContain("option '--max-lr <x>' argument '-1' is invalid");
    const neither = await cli(['worker']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--db / --server: found neither');
  });

  test('serve --help shows the default of every option that takes a value (the handout class: d6 c384 h6)', async () => {
    const { code, stdout } = await cli(['serve', '--help']);
    expect(code).toBe(0);
    // One entry per option: its first line and the indented lines that continue its description.
    const entries = stdout
      .split('Options:')[1]
      .split(/\n(?= {2}-)/)
      .map((e) => e.replace(/\s+/g, ' ').trim());
    const entry = (flag: string) => entries.find((e) => e.startsWith(flag))!;
    const expected: [string, string][] = [
      ['--depth <n>', '(default: 6)'],
      ['--channels <n>', '(default: 384)'],
      ['--heads <n>', '(default: 6)'],
      ['-b <B>', '(default: 4)'],
      ['-t <T>', '(default: 1024)'],
      ['--val-batches <n>', '(default: 20)'],
      ['--daily-limit <n>', '(default: 5)'],
      ['--public-fraction <x>', '(default: 0.5)'],
      ['--budget-usd <x>', '(default: 20)'],
      ['--hellaswag-limit <n>', '(default: all)'],
      ['--deadline <iso>', '(default: none'],
      ['--port <n>', '(default: 8080)'],
      ['--workers <n>', '(default: 0)'],
    ];
    for (const [flag, shown] of expected) expect(entry(flag), flag).toContain(shown);
    // Every option with a value says its default, except the required --db.
    for (const e of entries.filter((x) => /^-\S*( -\S+)?,? ?\S* <\w+>/.test(x) && !x.startsWith('--db '))) {
      expect(e).toMatch(/default/);
    }
  });

  test('a bad --config is refused with the field named', async () => {
    const { writeFileSync } = await import('node:fs');
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ selection: 'worst' }));
    const { code, stderr } = await cli([
      'serve',
      '--db',
      join(dir, 'y.db'),
      '--val',
      'x',
      '--config',
      config,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('/selection must be equal to one of the allowed values');
  });

  test('submit uploads; worker --server --once scores it; a duplicate and a bad token are reported', async () => {
    const token = server.store.addStudent('cli-student').token;
    const checkpoint = tinyCheckpoint(dir, 77);
    // submit --wait returns once a worker has scored the submission, printing the scored state last.
    const earlier = server.store.allSubmissions().length;
    const sending = cli([
      ...['submit', '--server', server.url, '--token', token, '--checkpoint', checkpoint],
      ...['--max-lr', '6e-4', '--spend-usd', '2', '--wait', '--json'],
    ]);
    while (server.store.allSubmissions().length === earlier) await new Promise((r) => setTimeout(r, 20));
    const worked = await cli([
      ...['worker', '--server', server.url, '--token', server.workerToken],
      ...['--once', '--backend', 'cpu', '--cache', tempDir()],
    ]);
    expect(worked.code, worked.stderr).toBe(0);
    expect(worked.stdout).toContain('1 job(s) processed');
    const sent = await sending;
    expect(sent.code, sent.stderr).toBe(0);
    const [accepted, scored] = sent.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(accepted.status).toBe('queued');
    const id = accepted.id as number;
    expect(scored).toMatchObject({ id, status: 'scored' });
    expect(scored.metrics.public.hellaswag_n).toBe(8);
    expect(sent.stderr).toContain(`waiting for submission ${id} to be scored`);
    expect(server.store.submission(id)).toMatchObject({ status: 'scored', max_lr: 6e-4, spend_usd: 2 });
    // The server refuses a second copy of the same file as a duplicate, not as a new submission.
    const dup = await cli([
      'submit',
      '--server',
      server.url,
      '--token',
      token,
      '--checkpoint',
      checkpoint,
      '--max-lr',
      '6e-4',
      '--spend-usd',
      '2',
      '--json',
    ]);
    expect(JSON.parse(dup.stdout)).toMatchObject({ id, duplicate: true });
    // A checkpoint of another architecture is refused before anything is uploaded.
    const { gpt2Config } = await import('@course/models');
    const wide = tinyCheckpoint(dir, 78, 3, gpt2Config({ ...TINY_ARCH, channels: 32, heads: 2 }));
    const before = server.store.allSubmissions().length;
    const wrong = await cli([
      'submit',
      '--server',
      server.url,
      '--token',
      token,
      '--checkpoint',
      wide,
      '--max-lr',
      '1',
      '--spend-usd',
      '2',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      `error: ${wide}: header[6] channels: found 32, expected 16 (required architecture d1 c16 h1)`,
    );
    expect(server.store.allSubmissions()).toHaveLength(before);
    const refused = await cli([
      'submit',
      '--server',
      server.url,
      '--token',
      'wrong',
      '--checkpoint',
      checkpoint,
      '--max-lr',
      '1',
      '--spend-usd',
      '2',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('HTTP 401: unknown token');
  });

  test('submit prints a readable result: queued, then scored with the public numbers; a duplicate says so', async () => {
    const token = server.store.addStudent('reader').token;
    const checkpoint = tinyCheckpoint(dir, 81);
    const earlier = server.store.allSubmissions().length;
    const sending = cli([
      ...['submit', '--server', server.url, '--token', token, '--checkpoint', checkpoint],
      ...['--max-lr', '3e-4', '--spend-usd', '4.5', '--wait'],
    ]);
    while (server.store.allSubmissions().length === earlier) await new Promise((r) => setTimeout(r, 20));
    const worked = await cli([
      ...['worker', '--server', server.url, '--token', server.workerToken],
      ...['--once', '--backend', 'cpu', '--cache', tempDir()],
    ]);
    expect(worked.code, worked.stderr).toBe(0);
    const sent = await sending;
    expect(sent.code, sent.stderr).toBe(0);
    const id = server.store.allSubmissions().at(-1)!.id;
    const score = server.store.score(id)!;
    const acc = score.public_hellaswag_acc!;
    const correct = Math.round(acc * 8);
    expect(sent.stdout).toBe(
      [
        `submission ${id} queued (max LR 3e-4, spend $4.50): waiting for a worker to score it`,
        `submission ${id} scored on the public held-out split: HellaSwag ${acc.toFixed(4)} (${correct}/8 correct), val loss ${score.public_val_loss!.toFixed(4)}`,
        `the board: ${server.url}/ · your submissions: ${server.url}/students/reader`,
        '',
      ].join('\n'),
    );
    const again = await cli([
      ...['submit', '--server', server.url, '--token', token, '--checkpoint', checkpoint],
      ...['--max-lr', '3e-4', '--spend-usd', '4.5'],
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `submission ${id} already has this file (scored); not submitted again, no daily slot used\n`,
    );
  });

  test('a server that cannot be reached: submit and worker --once say so (exit 2); a worker without --once waits', async () => {
    const url = await deadUrl();
    const checkpoint = tinyCheckpoint(dir, 79);
    const sent = await cli([
      ...['submit', '--server', url, '--token', 't', '--checkpoint', checkpoint],
      ...['--max-lr', '1e-3', '--spend-usd', '0'],
    ]);
    expect(sent.code).toBe(2);
    expect(sent.stderr).toMatch(new RegExp(`^error: ${url}: cannot connect \\(ECONNREFUSED\\)`));
    const once = await cli(['worker', '--server', url, '--token', 't', '--once', '--backend', 'cpu']);
    expect(once.code).toBe(2);
    expect(once.stderr).toContain(`error: ${url}: cannot connect (ECONNREFUSED)`);
    // A GPU box's worker outlives a server restart: it logs and claims again later.
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runRemoteWorker({
      server: url,
      token: 't',
      cacheDir: tempDir(),
      backend: 'cpu',
      pollMs: 20,
      signal: stop.signal,
      log: (line) => {
        lines.push(line);
        if (lines.filter((l) => l.includes('trying again')).length >= 2) stop.abort();
      },
    });
    await expect(running).resolves.toBe(0);
    expect(lines.filter((l) => l.includes('cannot connect (ECONNREFUSED)')).length).toBeGreaterThanOrEqual(2);
  });
});
