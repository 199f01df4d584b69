import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOrdinary, GPT2_EOT, readHellaSwag, readShard } from '@course/models';
import { describe, expect, it } from 'vitest';
import { course } from './run-course.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'course-data-'));
}

describe('course data shards', () => {
  it('tokenizes two text files: the first document is val, the second train', async () => {
    const dir = tempDir();
    const first = join(dir, 'a.txt');
    const second = join(dir, 'b.txt');
    writeFileSync(first, 'Four score and seven years ago.');
    writeFileSync(second, 'Ask not what your country can do for you.');
    const out = join(dir, 'shards');

    const { code, stdout } = await course(
      'data',
      'shards',
      '--input',
      first,
      second,
      '--out',
      out,
      '--name',
      'speech',
      '--val-documents',
      '1',
    );
    expect(code).toBe(0);
    // Each document is <|endoftext|> followed by its tokens.
    const val = readShard(join(out, 'speech_val_000000.bin'));
    const train = readShard(join(out, 'speech_train_000001.bin'));
    expect(Array.from(val)).toEqual([GPT2_EOT, ...encodeOrdinary('Four score and seven years ago.')]);
    expect(Array.from(train)).toEqual([
      GPT2_EOT,
      ...encodeOrdinary('Ask not what your country can do for you.'),
    ]);
    expect(stdout).toContain(join(out, 'speech_train_000001.bin'));
  });

  it('a missing input file is exit 2 naming it, and nothing is written', async () => {
    const dir = tempDir();
    const missing = join(dir, 'nope.txt');
    const out = join(dir, 'shards');
    const { code, stderr } = await course('data', 'shards', '--input', missing, '--out', out);
    expect(code).toBe(2);
    expect(stderr).toContain(missing);
    expect(existsSync(out)).toBe(false);
  });
});

describe('course data hellaswag', () => {
  it('converts jsonl into an llm.c HellaSwag file', async () => {
    const dir = tempDir();
    const input = join(dir, 'hellaswag_val.jsonl');
    const out = join(dir, 'hellaswag_val.bin');
    const record = { ctx: 'The cat sat', endings: ['on the mat.', 'up.', 'down.', 'away.'], label: 0 };
    writeFileSync(input, `${JSON.stringify(record)}\n${JSON.stringify({ ...record, label: 3 })}\n`);

    const { code, stdout } = await course('data', 'hellaswag', '--input', input, '--out', out);
    expect(code).toBe(0);
    expect(stdout).toContain('2 examples');
    const { examples } = readHellaSwag(out);
    expect(examples.map((e) => e.label)).toEqual([0, 3]);
    expect(examples[0].context).toEqual(encodeOrdinary('The cat sat'));
    expect(examples[0].endings[1]).toEqual(encodeOrdinary(' up.'));
  });
});
