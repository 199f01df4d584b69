/**
 * The leaderboard over real HTTP (the app listening on a free port, requests
 * by fetch): the whole flow, the refusals (401/400/413/429), ties, the remote
 * worker protocol and the private board.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as models from '@course/models';
import { GPT2, numParameters, readCheckpoint, selectBackend } from '@course/models';
import { evaluateModel } from '@course/trainer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { acceptedCheckpointBytes } from '../src/app.js';
import { scoreCheckpoint } from '../src/evaluate.js';
import { prepareHeldout, sideFiles } from '../src/heldout.js';
import type { BoardRow } from '../src/ranking.js';
import { runOneLocalJob, runOneRemoteJob, type WorkerSetup } from '../src/worker.js';
import {
  startTestServer,
  submit,
  type TestServer,
  TINY_ARCH,
  tempDir,
  tinyCheckpoint,
  tinyConfig,
  tinyHeldout,
} from './helpers/fixtures.js';

const dir = tempDir();
let server: TestServer;
const tokens: Record<string, string> = {};
const silent = () => {};

function runLocalQueue(s: TestServer): number {
  const setup = s.store.getSetting<WorkerSetup>('worker_setup')!;
  let n = 0;
  while (runOneLocalJob(s.store, setup, s.dataDir, 'test-worker', silent)) n++;
  return n;
}

interface SplitJson {
  val_loss: number | null;
  hellaswag_acc: number | null;
  hellaswag_n: number;
}
/** The JSON of GET /api/submissions/:id and GET /api/leaderboard, as far as the tests read it. */
interface ApiJson {
  error?: string;
  status?: string;
  checkpoint_sha256?: string;
  metrics?: {
    public: SplitJson;
    private: SplitJson | null;
    evaluator_version: string;
    heldout_sha256: Record<string, string>;
  } | null;
  rows?: BoardRow[];
}

async function getJson(path: string, token?: string): Promise<{ status: number; body: ApiJson }> {
  const res = await fetch(`${server.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as ApiJson };
}

/** What `course eval` reports for `checkpoint` on one side's split files: the expected score. */
function courseEval(checkpoint: string, side: 'public' | 'private', on: TestServer = server) {
  const setup = on.store.getSetting<WorkerSetup>('worker_setup')!;
  const files = sideFiles(setup.heldout.manifest, setup.heldout.folder, side);
  const { config, params } = readCheckpoint(checkpoint);
  const model = new GPT2(config, params);
  const r = evaluateModel(model, {
    valPattern: files.valPattern!,
    hellaswagPath: files.hellaswagPath!,
    batches: 4,
    B: 2,
    T: 16,
  });
  model.dispose();
  return r;
}

beforeAll(async () => {
  await selectBackend('cpu');
  server = await startTestServer(tinyConfig({ dailyLimit: 3 }), dir);
  for (const name of ['alice', 'bob', 'carol', 'dave']) {
    const res = await fetch(`${server.url}/api/admin/students`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(res.status).toBe(201);
    tokens[name] = ((await res.json()) as { token: string }).token;
  }
});

afterAll(async () => {
  await server?.close();
});

describe('whole flow: submit, worker scores, board ranks', () => {
  const seeds = { alice: 1, bob: 2 };
  const ids: Record<string, number> = {};

  test('submissions are accepted with 202 and an id, queued', async () => {
    for (const [name, seed] of Object.entries(seeds)) {
      const checkpoint = readFileSync(tinyCheckpoint(dir, seed));
      const res = await submit(server.url, tokens[name], { checkpoint, max_lr: '6e-4', spend_usd: '12.5' });
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('queued');
      ids[name] = res.body.id as number;
    }
    const { status, body } = await getJson(`/api/submissions/${ids.alice}`, tokens.alice);
    expect(status).toBe(200);
    expect(body.status).toBe('queued');
    expect(body.metrics).toBeNull();
    // Nothing scored yet: an empty board (fetched now, so a stale cached board would show later).
    expect((await getJson('/api/leaderboard')).body.rows).toEqual([]);
  });

  test('the stored file is the uploaded bytes, under its sha256', async () => {
    const { body } = await getJson(`/api/submissions/${ids.alice}`, tokens.alice);
    const stored = readFileSync(join(server.dataDir, 'checkpoints', `${body.checkpoint_sha256}.bin`));
    expect(Buffer.compare(stored, readFileSync(join(dir, 'model_seed1_v3.bin')))).toBe(0);
  });

  test('a worker scores them with the same numbers as course eval on the split files', async () => {
    expect(runLocalQueue(server)).toBe(2);
    for (const [name, seed] of Object.entries(seeds)) {
      const { body } = await getJson(`/api/submissions/${ids[name]}`, tokens[name]);
      expect(body.status).toBe('scored');
      const expected = courseEval(join(dir, `model_seed${seed}_v3.bin`), 'public');
      expect(body.metrics!.public.val_loss).toBe(expected.val_loss);
      expect(body.metrics!.public.hellaswag_acc).toBe(expected.hellaswag_acc);
      expect(body.metrics!.public.hellaswag_n).toBe(8); // half of the 16 examples
      expect(body.metrics!.private).toBeNull(); // not revealed yet
      expect(body.metrics!.evaluator_version).toContain('B=2 T=16 val_batches=4');
      expect(Object.keys(body.metrics!.heldout_sha256).sort()).toEqual([
        'private_hellaswag.bin',
        'private_val_000000.bin',
        'public_hellaswag.bin',
        'public_val_000000.bin',
      ]);
    }
  });

  test('the JSON board ranks by HellaSwag desc then val loss asc, with a Wilson interval', async () => {
    const { body } = await getJson('/api/leaderboard');
    const rows = body.rows!;
    expect(rows.map((r) => r.student).sort()).toEqual(['alice', 'bob']);
    const expected = Object.entries(seeds)
      .map(([name, seed]) => ({ name, r: courseEval(join(dir, `model_seed${seed}_v3.bin`), 'public') }))
      .sort((a, b) => b.r.hellaswag_acc! - a.r.hellaswag_acc! || a.r.val_loss! - b.r.val_loss!);
    expect(rows.map((r) => r.student)).toEqual(expected.map((e) => e.name));
    expect(rows[0].rank).toBe(1);
    const [lo, hi] = rows[0].hellaswag_ci95!;
    expect(lo).toBeLessThanOrEqual(rows[0].hellaswag_acc!);
    expect(hi).toBeGreaterThanOrEqual(rows[0].hellaswag_acc!);
    expect(rows[0].submissions).toBe(1);
    expect(rows[0].max_lr).toBe(6e-4);
    expect(rows[0].spend_usd).toBe(12.5);
  });

  test('a student cannot read another student’s submission (404, same as missing)', async () => {
    const { status, body } = await getJson(`/api/submissions/${ids.alice}`, tokens.bob);
    expect(status).toBe(404);
    expect(body.error).toContain('not found');
  });

  test('the HTML board and the history page are served without scripts', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toContain('data-student="alice"');
    expect(html).toContain('name="viewport"');
    expect(html).not.toContain('<script');
    const history = await fetch(`${server.url}/students/alice`);
    expect(history.status).toBe(200);
    expect(history.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Served over plain http on a LAN, links must stay http (helmet's default would upgrade them).
    expect(history.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(await history.text()).toContain('scored');
  });

  test('a name differing only in case is the same student: not added again; its page is theirs', async () => {
    const res = await fetch(`${server.url}/api/admin/students`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Alice' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ApiJson).error).toContain('"Alice" exists already as "alice"');
    const page = await fetch(`${server.url}/students/ALICE`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>alice</h1>');
  });

  test('a duplicate upload by the same student is recognised: same id, no new job', async () => {
    const checkpoint = readFileSync(join(dir, 'model_seed1_v3.bin'));
    const res = await submit(server.url, tokens.alice, { checkpoint, max_lr: '6e-4', spend_usd: '12.5' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ids.alice, duplicate: true });
    expect(server.store.queueCounts().queued).toBe(0);
  });
});

describe('refusals', () => {
  const good = () => readFileSync(join(dir, 'model_seed1_v3.bin'));

  test('401 without a token or with an unknown one', async () => {
    const none = await submit(server.url, null, { checkpoint: good(), max_lr: '1e-3', spend_usd: '1' });
    expect(none.status).toBe(401);
    expect(none.body.error).toContain('Authorization');
    const wrong = await submit(server.url, 'not-a-token', {
      checkpoint: good(),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(wrong.status).toBe(401);
  });

  test('400 for a garbage file, naming the magic', async () => {
    const garbage = new Uint8Array(acceptedCheckpointBytes(server.config).v3).fill(7);
    const res = await submit(server.url, tokens.carol, {
      checkpoint: garbage,
      name: 'junk.bin',
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(
      /^checkpoint "junk\.bin": header\[0\] magic: found \d+, expected 20240326/,
    );
  });

  test('400 for a wrong architecture, naming the field and the requirement', async () => {
    const { gpt2Config } = await import('@course/models');
    const cases: [Partial<typeof TINY_ARCH>, string][] = [
      [{ heads: 2 }, 'header[5] num_heads: found 2, expected 1 (required architecture d1 c16 h1)'],
      [{ channels: 8 }, 'header[6] channels: found 8, expected 16 (required architecture d1 c16 h1)'],
      [{ vocabSize: 50 }, 'header[3] vocab_size: found 50, expected 64'],
    ];
    for (const [change, message] of cases) {
      const config = gpt2Config({ ...TINY_ARCH, ...change });
      const checkpoint = readFileSync(tinyCheckpoint(dir, 9, 3, config));
      const res = await submit(server.url, tokens.carol, { checkpoint, max_lr: '1e-3', spend_usd: '1' });
      expect(res.status, message).toBe(400);
      expect(res.body.error).toContain(message);
    }
    // Larger than any checkpoint of the required architecture can be: refused while uploading.
    const wide = gpt2Config({ ...TINY_ARCH, channels: 32, heads: 2 });
    const res = await submit(server.url, tokens.carol, {
      checkpoint: readFileSync(tinyCheckpoint(dir, 9, 3, wide)),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toContain('required architecture d1 c16 h1');
  });

  test('400 for a truncated file', async () => {
    const res = await submit(server.url, tokens.carol, {
      checkpoint: good().subarray(0, 5000),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('truncated');
  });

  test('400 for missing or bad fields, each named', async () => {
    const cases: [Record<string, string | undefined>, string][] = [
      [{ max_lr: undefined, spend_usd: '1' }, 'max_lr: missing'],
      [{ max_lr: '1e-3', spend_usd: undefined }, 'spend_usd: missing'],
      [{ max_lr: '-0.001', spend_usd: '1' }, 'max_lr: must be > 0 (found "-0.001")'],
      [{ max_lr: '0', spend_usd: '1' }, 'max_lr: must be > 0'],
      [{ max_lr: '1e-3', spend_usd: '-5' }, 'spend_usd: must be >= 0 (found "-5")'],
      [{ max_lr: 'fast', spend_usd: '1' }, 'max_lr: must be number (found "fast")'],
      [{ max_lr: '', spend_usd: '1' }, 'max_lr: must be number'],
    ];
    for (const [fields, message] of cases) {
      const res = await submit(server.url, tokens.carol, { checkpoint: good(), ...fields });
      expect(res.status, message).toBe(400);
      expect(res.body.error).toContain(message);
    }
    const noFile = await submit(server.url, tokens.carol, { max_lr: '1e-3', spend_usd: '1' });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error).toContain('checkpoint: missing');
    // The file under another field name, or two files: the field to use is named.
    for (const [fields, message] of [
      [
        ['file'],
        'checkpoint: expected exactly one file, in the multipart field "checkpoint" (found a file in field "file")',
      ],
      [
        ['checkpoint', 'checkpoint'],
        'checkpoint: expected exactly one file, in the multipart field "checkpoint" (found more than one)',
      ],
    ] as const) {
      const form = new FormData();
      form.set('max_lr', '1e-3');
      form.set('spend_usd', '1');
      for (const field of fields) form.append(field, new Blob([good()]), 'model.bin');
      const res = await fetch(`${server.url}/api/submissions`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${tokens.carol}` },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ApiJson).error).toBe(message);
    }
  });

  test('400 for a NaN or infinite weight, naming the parameter, its tensor and byte offset (fp32 and bf16)', async () => {
    // The tiny model (d1 c16 h1, V 64 → Vp 128, maxT 64) in llm.c order: wte 128·16 = 2048 values at 0,
    // wpe 64·16 = 1024 at 2048, ln1w 16 at 3072, ln1b 16 at 3088, qkvw 48·16 = 768 at 3104.
    const fp32 = good();
    // Parameter 3109 = qkvw[5]; fp32 body after the 1024-byte header: byte 1024 + 4·3109 = 13460.
    new DataView(fp32.buffer, fp32.byteOffset).setFloat32(13460, Number.NaN, true);
    const nan = await submit(server.url, tokens.carol, {
      checkpoint: fp32,
      name: 'nan.bin',
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(nan.status).toBe(400);
    expect(nan.body.error).toBe(
      'checkpoint "nan.bin": parameter 3109 (qkvw[5], byte 13460): found NaN, expected a finite number (a model with NaN or infinite weights cannot be scored)',
    );
    // bf16: parameter 100 = wte[100] at byte 1024 + 2·100 = 1224; 0x7f80 is bf16 +Infinity, 0xff80 -Infinity.
    const bf16 = readFileSync(tinyCheckpoint(dir, 12, 5));
    new DataView(bf16.buffer, bf16.byteOffset).setUint16(1224, 0xff80, true);
    const inf = await submit(server.url, tokens.carol, {
      checkpoint: bf16,
      name: 'inf.bin',
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(inf.status).toBe(400);
    expect(inf.body.error).toContain(
      'parameter 100 (wte[100], byte 1224): found -Infinity, expected a finite number',
    );
  });

  test('413 for a file larger than an fp32 checkpoint of the architecture', async () => {
    const big = new Uint8Array(acceptedCheckpointBytes(server.config).v3 + 1);
    const res = await submit(server.url, tokens.carol, { checkpoint: big, max_lr: '1e-3', spend_usd: '1' });
    expect(res.status).toBe(413);
    expect(res.body.error).toContain('larger than');
  });

  test('refused uploads used no quota and stored nothing', async () => {
    expect(server.store.submissionsOf(server.store.studentByName('carol')!.id)).toHaveLength(0);
  });

  test('429 past the daily limit, naming the next UTC slot; failed evaluations do not count', async () => {
    // dave: 3 a day (tinyConfig). His first submission's evaluation will fail.
    const first = await submit(server.url, tokens.dave, {
      checkpoint: readFileSync(tinyCheckpoint(dir, 21)),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(first.status).toBe(202);
    // Its stored file disappears: the evaluation fails (the server's fault), which must not use quota.
    const sub = server.store.submission(first.body.id as number)!;
    writeFileSync(join(server.dataDir, 'checkpoints', `${sub.checkpoint_sha256}.bin`), 'lost');
    runLocalQueue(server);
    expect(server.store.submission(sub.id)!.status).toBe('failed');
    for (const seed of [22, 23, 24]) {
      const res = await submit(server.url, tokens.dave, {
        checkpoint: readFileSync(tinyCheckpoint(dir, seed, 5)),
        max_lr: '1e-3',
        spend_usd: '1',
      });
      expect(res.status, `seed ${seed}`).toBe(202);
    }
    const over = await submit(server.url, tokens.dave, {
      checkpoint: readFileSync(tinyCheckpoint(dir, 25)),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(over.status).toBe(429);
    const now = server.store.now();
    const midnight = new Date(now);
    midnight.setUTCHours(24, 0, 0, 0);
    expect(over.body.error).toContain(`next slot opens at ${midnight.toISOString()}`);
    expect(Number(over.headers.get('retry-after'))).toBe(Math.ceil((midnight.getTime() - now) / 1000));
    // The next UTC day has fresh slots.
    server.advance(midnight.getTime() - now + 1000);
    const tomorrow = await submit(server.url, tokens.dave, {
      checkpoint: readFileSync(tinyCheckpoint(dir, 25)),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(tomorrow.status).toBe(202);
    runLocalQueue(server);
  });
});

describe('malformed and oversized uploads, and uploads a crash left behind', () => {
  const uploads = () => readdirSync(join(server.dataDir, 'uploads'));

  test('a malformed multipart body is a 400 naming the problem, not a 500; nothing is left in uploads/', async () => {
    const part = '--B\r\nContent-Disposition: form-data; name="checkpoint"; filename="m.bin"\r\n\r\n';
    const cases: [string, string][] = [
      ['multipart/form-data', 'hello'], // no boundary
      ['multipart/form-data; boundary=B', 'hello'], // no part
      ['multipart/form-data; boundary=B', `${part}abc`], // cut off inside the file
      ['multipart/form-data; boundary=B', '--B\r\nContent-Disposition form-data\r\n\r\nabc\r\n--B--\r\n'], // bad header
      ['multipart/form-data; boundary=B', '--B\r\nContent-Disposition: form-data; name="max_lr"\r\n\r\n1e-3'], // cut off
    ];
    for (const [type, body] of cases) {
      const res = await fetch(`${server.url}/api/submissions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.carol}`, 'content-type': type },
        body,
      });
      const error = ((await res.json()) as ApiJson).error;
      expect(res.status, `${type} ${JSON.stringify(body)}: ${error}`).toBe(400);
      expect(error).toMatch(
        /^multipart upload: malformed body \(.+\); expected multipart\/form-data with a file field "checkpoint"/,
      );
    }
    expect(uploads()).toEqual([]);
  });

  test('a chunked upload is refused (413) as soon as it passes the limit, without waiting for its end', async () => {
    const { request } = await import('node:http');
    const limit = acceptedCheckpointBytes(server.config).v3;
    const req = request(`${server.url}/api/submissions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.carol}`,
        'content-type': 'multipart/form-data; boundary=B',
        'transfer-encoding': 'chunked',
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    req.write('--B\r\nContent-Disposition: form-data; name="max_lr"\r\n\r\n1e-3\r\n');
    req.write('--B\r\nContent-Disposition: form-data; name="checkpoint"; filename="big.bin"\r\n\r\n');
    // 16 KiB past the limit, then the upload stalls: it never ends, so only an early answer arrives.
    req.write(Buffer.alloc(limit + 16 * 1024));
    const answer = await Promise.race([
      response,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000)),
    ]);
    req.destroy();
    expect(answer, 'no answer while the over-limit upload stalled').not.toBeNull();
    expect(answer!.status).toBe(413);
    expect(JSON.parse(answer!.body).error).toContain(`larger than ${limit} bytes`);
    expect(uploads()).toEqual([]);
  });

  test('uploads a crash left half-written are removed when the server starts', async () => {
    const crashed = tempDir();
    const left = join(crashed, 'class.db.files', 'uploads');
    mkdirSync(left, { recursive: true });
    writeFileSync(join(left, 'a3f9c2.part'), 'half a checkpoint');
    writeFileSync(join(left, '0123456789abcdef'), 'an older multer temp file');
    const restarted = await startTestServer(tinyConfig(), crashed);
    try {
      expect(readdirSync(left)).toEqual([]);
    } finally {
      await restarted.close();
    }
  });
});

describe('weights that make the losses non-finite', () => {
  /** A checkpoint of the tiny model with every weight set to 1e19: finite, so accepted, but its losses are NaN. */
  function hugeWeights(): Uint8Array {
    const { gpt2Config, writeCheckpoint } = models;
    const path = join(dir, 'model_huge.bin');
    writeCheckpoint(
      path,
      gpt2Config(TINY_ARCH),
      new Float32Array(numParameters(gpt2Config(TINY_ARCH))).fill(1e19),
      {
        version: 3,
      },
    );
    return readFileSync(path);
  }

  test('are accepted at upload, then failed at scoring (not ranked) and the daily slot is given back', async () => {
    const fresh = await startTestServer(tinyConfig({ dailyLimit: 2 }), tempDir());
    try {
      const token = fresh.store.addStudent('huge').token;
      const res = await submit(fresh.url, token, {
        checkpoint: hugeWeights(),
        max_lr: '1e-3',
        spend_usd: '1',
      });
      expect(res.status).toBe(202);
      const id = res.body.id as number;
      expect(runLocalQueue(fresh)).toBe(1);
      const sub = fresh.store.submission(id)!;
      expect(sub.status).toBe('failed');
      expect(sub.error).toMatch(
        /^checkpoint could not be evaluated: .*public split: val loss: found NaN, expected a finite number/,
      );
      expect(fresh.store.score(id)).toBeNull();
      const board = (await (await fetch(`${fresh.url}/api/leaderboard`)).json()) as { rows: BoardRow[] };
      expect(board.rows).toEqual([]);
      // Both of the day's 2 slots are still free.
      for (const seed of [51, 52]) {
        const next = await submit(fresh.url, token, {
          checkpoint: readFileSync(tinyCheckpoint(dir, seed)),
          max_lr: '1e-3',
          spend_usd: '1',
        });
        expect(next.status, `seed ${seed}`).toBe(202);
      }
    } finally {
      await fresh.close();
    }
  });

  test('a remote worker reports them as a failed evaluation too', async () => {
    const fresh = await startTestServer(tinyConfig(), tempDir());
    try {
      const token = fresh.store.addStudent('huge').token;
      const res = await submit(fresh.url, token, {
        checkpoint: hugeWeights(),
        max_lr: '1e-3',
        spend_usd: '1',
      });
      const did = await runOneRemoteJob(
        { server: fresh.url, token: fresh.workerToken, cacheDir: tempDir('lb-cache-'), name: 'remote-nan' },
        silent,
      );
      expect(did).toBe(true);
      const sub = fresh.store.submission(res.body.id as number)!;
      expect(sub.status).toBe('failed');
      expect(sub.error).toContain('val loss: found NaN, expected a finite number');
    } finally {
      await fresh.close();
    }
  });

  test('on HellaSwag alone (no val loss to catch them) they fail instead of scoring the share of label 0', async () => {
    const heldDir = tempDir('lb-hs-only-');
    const held = tinyHeldout(heldDir);
    const split = prepareHeldout({
      dir: join(heldDir, 'split'),
      hellaswagPath: held.hellaswagPath,
      publicFraction: 0.5,
      chunkTokens: 32,
    });
    const path = join(heldDir, 'model_huge.bin');
    writeFileSync(path, hugeWeights());
    expect(() => scoreCheckpoint(path, split.manifest, split.folder, { valBatches: 4, B: 2, T: 16 })).toThrow(
      /public split: HellaSwag loss: found NaN, expected a finite number/,
    );
  });
});

describe('ties, remote workers, private board, CSV', () => {
  test('the same model from two students is an exact tie: shared rank, earlier submission first', async () => {
    const fresh = await startTestServer(tinyConfig(), tempDir());
    try {
      const t = { x: fresh.store.addStudent('xena').token, y: fresh.store.addStudent('yuri').token };
      const model = readFileSync(tinyCheckpoint(dir, 7));
      const other = readFileSync(tinyCheckpoint(dir, 8));
      // yuri submits first, xena second (same bytes); a third model is different.
      expect(
        (await submit(fresh.url, t.y, { checkpoint: model, max_lr: '1e-3', spend_usd: '1' })).status,
      ).toBe(202);
      fresh.advance(1000);
      expect(
        (await submit(fresh.url, t.x, { checkpoint: model, max_lr: '2e-3', spend_usd: '1' })).status,
      ).toBe(202);
      const z = fresh.store.addStudent('zed').token;
      fresh.advance(1000);
      expect((await submit(fresh.url, z, { checkpoint: other, max_lr: '1e-3', spend_usd: '1' })).status).toBe(
        202,
      );
      runLocalQueue(fresh);
      const board = (await (await fetch(`${fresh.url}/api/leaderboard`)).json()) as { rows: BoardRow[] };
      const yuri = board.rows.find((r) => r.student === 'yuri')!;
      const xena = board.rows.find((r) => r.student === 'xena')!;
      expect(yuri.rank).toBe(xena.rank);
      expect(yuri.val_loss).toBe(xena.val_loss);
      const order = board.rows.map((r) => r.student);
      expect(order.indexOf('yuri')).toBe(order.indexOf('xena') - 1);
      // Competition ranking: whoever comes after the tied pair skips a rank.
      const zed = board.rows.find((r) => r.student === 'zed')!;
      expect(zed.rank === 1 || zed.rank === 3).toBe(true);
      // The TA's CSV shows the shared file.
      const csv = await (
        await fetch(`${fresh.url}/api/leaderboard.csv`, {
          headers: { authorization: `Bearer ${fresh.adminToken}` },
        })
      ).text();
      const xenaLine = csv.split('\n').find((l) => l.includes(',xena,'))!;
      expect(xenaLine.endsWith(',yuri')).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  test('a remote worker claims over HTTP, downloads, scores; a stale lease is refused', async () => {
    const fresh = await startTestServer(tinyConfig({ leaseSeconds: 30 }), tempDir());
    try {
      const token = fresh.store.addStudent('remo').token;
      const path = tinyCheckpoint(dir, 11);
      const res = await submit(fresh.url, token, {
        checkpoint: readFileSync(path),
        max_lr: '1e-3',
        spend_usd: '3',
      });
      const id = res.body.id as number;
      // A worker claims and then goes silent; after the lease the job is claimed again.
      const headers = { authorization: `Bearer ${fresh.workerToken}`, 'content-type': 'application/json' };
      const stale = (await (
        await fetch(`${fresh.url}/api/worker/claim`, { method: 'POST', headers, body: '{}' })
      ).json()) as { submission_id: number; job_id: number; lease_id: string };
      expect(stale.submission_id).toBe(id);
      expect(
        (await fetch(`${fresh.url}/api/worker/claim`, { method: 'POST', headers, body: '{}' })).status,
      ).toBe(204);
      // A score for another file or other held-out data is refused: it could not be re-derived.
      const setup = fresh.store.getSetting<WorkerSetup>('worker_setup')!;
      const metrics = { val_loss: 1, hellaswag_acc: 0.5, hellaswag_n: 8 };
      const score = {
        evaluator_version: 'v',
        checkpoint_sha256: res.body.checkpoint_sha256 as string,
        heldout_sha256: setup.heldout.manifest.files,
        public: metrics,
        private: metrics,
        seconds: 1,
      };
      for (const [wrong, field] of [
        [{ checkpoint_sha256: 'f'.repeat(64) }, 'score.checkpoint_sha256'],
        [{ heldout_sha256: { 'public_val_000000.bin': 'x' } }, 'score.heldout_sha256'],
      ] as const) {
        const bad = await fetch(`${fresh.url}/api/worker/jobs/${stale.job_id}/result`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ lease: stale.lease_id, score: { ...score, ...wrong } }),
        });
        expect(bad.status).toBe(400);
        expect(((await bad.json()) as ApiJson).error).toContain(`${field}: found`);
      }
      expect(fresh.store.submission(id)!.status).toBe('running');
      fresh.advance(31_000);
      const did = await runOneRemoteJob(
        { server: fresh.url, token: fresh.workerToken, cacheDir: tempDir('lb-cache-'), name: 'remote-1' },
        silent,
      );
      expect(did).toBe(true);
      const sub = (await (
        await fetch(`${fresh.url}/api/submissions/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as ApiJson;
      expect(sub.status).toBe('scored');
      // The numbers course eval gives for the file on the split the server holds.
      const expected = courseEval(path, 'public', fresh);
      expect(sub.metrics!.public.val_loss).toBe(expected.val_loss);
      expect(sub.metrics!.public.hellaswag_acc).toBe(expected.hellaswag_acc);
      // The silent worker comes back with a result: refused, the score stays the first one.
      const late = await fetch(`${fresh.url}/api/worker/jobs/${stale.job_id}/result`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ lease: stale.lease_id, error: 'late' }),
      });
      expect(late.status).toBe(409);
      expect(fresh.store.submission(id)!.status).toBe('scored');
      expect(fresh.store.db.prepare('SELECT COUNT(*) AS n FROM scores').get()).toEqual({ n: 1 });
      // Students cannot use the worker API.
      expect(
        (
          await fetch(`${fresh.url}/api/worker/claim`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          })
        ).status,
      ).toBe(401);
    } finally {
      await fresh.close();
    }
  });

  test('a remote worker told to stop gives its job back: the attempt is not counted, another worker scores it', async () => {
    const fresh = await startTestServer(tinyConfig(), tempDir());
    try {
      const token = fresh.store.addStudent('stopper').token;
      const res = await submit(fresh.url, token, {
        checkpoint: readFileSync(tinyCheckpoint(dir, 21)),
        max_lr: '1e-3',
        spend_usd: '1',
      });
      const id = res.body.id as number;
      const attempts = () =>
        (
          fresh.store.db.prepare('SELECT attempts FROM jobs WHERE submission_id = ?').get(id) as {
            attempts: number;
          }
        ).attempts;
      // SIGTERM arrives right after the claim (the CLI aborts this signal on SIGINT/SIGTERM).
      const stop = new AbortController();
      const lines: string[] = [];
      const log = (line: string) => {
        lines.push(line);
        if (/^job \d+: submission/.test(line)) stop.abort();
      };
      const opts = { server: fresh.url, token: fresh.workerToken, cacheDir: tempDir('lb-cache-') };
      expect(await runOneRemoteJob({ ...opts, name: 'stopping', signal: stop.signal }, log)).toBe(false);
      expect(lines.at(-1)).toMatch(/given back to the queue \(stopping\)$/);
      expect(fresh.store.submission(id)!.status).toBe('queued');
      expect(attempts()).toBe(0);
      // A lease already given back cannot be given back twice.
      const again = await fetch(`${fresh.url}/api/worker/jobs/1/release`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fresh.workerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ lease: 'not-a-lease' }),
      });
      expect(again.status).toBe(409);
      expect(await runOneRemoteJob({ ...opts, name: 'next' }, silent)).toBe(true);
      expect(fresh.store.submission(id)!.status).toBe('scored');
      expect(attempts()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  test('a posted score is refused unless its evaluator, HellaSwag counts and losses are what this server evaluates', async () => {
    const fresh = await startTestServer(tinyConfig(), tempDir());
    try {
      const token = fresh.store.addStudent('posty').token;
      const res = await submit(fresh.url, token, {
        checkpoint: readFileSync(tinyCheckpoint(dir, 13)),
        max_lr: '1e-3',
        spend_usd: '1',
      });
      const headers = { authorization: `Bearer ${fresh.workerToken}`, 'content-type': 'application/json' };
      const job = (await (
        await fetch(`${fresh.url}/api/worker/claim`, { method: 'POST', headers, body: '{}' })
      ).json()) as { job_id: number; lease_id: string };
      const setup = fresh.store.getSetting<WorkerSetup>('worker_setup')!;
      // tinyConfig evaluates B=2 T=16, 4 val batches, every HellaSwag example: 8 of the 16 on each side.
      const version =
        'course-leaderboard/1 evaluateModel(llm.c val loss, HellaSwag acc_norm) B=2 T=16 val_batches=4 hellaswag_limit=all';
      const split = { val_loss: 4.1, hellaswag_acc: 3 / 8, hellaswag_n: 8 };
      const good = {
        evaluator_version: version,
        checkpoint_sha256: res.body.checkpoint_sha256 as string,
        heldout_sha256: setup.heldout.manifest.files,
        public: split,
        private: split,
        seconds: 1,
      };
      const post = (score: unknown) =>
        fetch(`${fresh.url}/api/worker/jobs/${job.job_id}/result`, {
          method: 'POST',
          headers,
          // JSON.stringify writes Infinity as null: the raw number 1e400 (which JSON.parse reads as Infinity) is spliced in.
          body: JSON.stringify({ lease: job.lease_id, score }).replace('"INFINITY"', '1e400'),
        });
      const cases: [unknown, string][] = [
        [
          { ...good, evaluator_version: 'course-leaderboard/1 evaluateModel B=4 T=64' },
          `score.evaluator_version: found "course-leaderboard/1 evaluateModel B=4 T=64", expected "${version}" (this server's evaluation)`,
        ],
        [
          { ...good, public: { ...split, hellaswag_n: 7, hellaswag_acc: 3 / 7 } },
          "score.public.hellaswag_n: found 7, expected 8 (the public split's HellaSwag examples)",
        ],
        [
          { ...good, private: { ...split, hellaswag_n: 16 } },
          "score.private.hellaswag_n: found 16, expected 8 (the private split's HellaSwag examples)",
        ],
        [
          { ...good, public: { ...split, val_loss: -0.5 } },
          'score.public.val_loss: found -0.5, expected a finite number ≥ 0',
        ],
        [
          { ...good, private: { ...split, val_loss: 'INFINITY' } },
          'score.private.val_loss: found Infinity, expected a finite number ≥ 0',
        ],
        [
          { ...good, public: { ...split, val_loss: null } },
          'score.public.val_loss: found null, expected a finite number ≥ 0 (the public split has validation data)',
        ],
        [
          { ...good, public: { ...split, hellaswag_acc: 0.3 } },
          'score.public.hellaswag_acc: found 0.3, expected correct/8 for a whole number correct',
        ],
        [
          { ...good, private: { ...split, hellaswag_acc: -1 / 8 } },
          'score.private.hellaswag_acc: found -0.125, expected correct/8 for a whole number correct',
        ],
        [
          { ...good, public: { ...split, hellaswag_acc: null } },
          'score.public.hellaswag_acc: found null, expected correct/8 for a whole number correct',
        ],
      ];
      for (const [score, message] of cases) {
        const bad = await post(score);
        expect(bad.status, message).toBe(400);
        expect(((await bad.json()) as ApiJson).error).toBe(message);
      }
      expect(fresh.store.submission(res.body.id as number)!.status).toBe('running');
      const ok = await post(good);
      expect(ok.status).toBe(200);
      expect(fresh.store.submission(res.body.id as number)!.status).toBe('scored');
    } finally {
      await fresh.close();
    }
  });

  test('after the deadline the private board is public', async () => {
    const after = await startTestServer(tinyConfig({ deadline: '2000-01-01T00:00:00Z' }), tempDir());
    const before = await startTestServer(tinyConfig({ deadline: '2999-01-01T00:00:00Z' }), tempDir());
    try {
      expect((await fetch(`${after.url}/api/leaderboard?board=private`)).status).toBe(200);
      const late = await submit(after.url, after.store.addStudent('late').token, {
        checkpoint: readFileSync(join(dir, 'model_seed1_v3.bin')),
        max_lr: '1e-3',
        spend_usd: '1',
      });
      expect(late.status).toBe(403);
      expect(late.body.error).toContain('(deadline 2000-01-01T00:00:00Z)');
      expect((await fetch(`${before.url}/api/leaderboard?board=private`)).status).toBe(403);
    } finally {
      await after.close();
      await before.close();
    }
  });

  test('the private board is hidden until an admin reveals it', async () => {
    expect((await getJson('/api/leaderboard?board=private')).status).toBe(403);
    expect((await getJson('/api/leaderboard?board=private', server.adminToken)).status).toBe(200);
    expect((await getJson('/api/leaderboard.csv')).status).toBe(401);
    const reveal = await fetch(`${server.url}/api/admin/reveal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(reveal.status).toBe(200);
    const { status, body } = await getJson('/api/leaderboard?board=private');
    expect(status).toBe(200);
    const alice = body.rows!.find((r) => r.student === 'alice')!;
    const expected = courseEval(join(dir, 'model_seed1_v3.bin'), 'private');
    expect(alice.val_loss).toBe(expected.val_loss);
    expect(alice.hellaswag_n).toBe(8);
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toContain('Final board (private held-out split)');
    // Private scores are visible now: no more submissions.
    const late = await submit(server.url, tokens.carol, {
      checkpoint: readFileSync(join(dir, 'model_seed1_v3.bin')),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(late.status).toBe(403);
    expect(late.body.error).toBe('submissions are closed: the private board is revealed');
  });
});
