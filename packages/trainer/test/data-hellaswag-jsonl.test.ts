import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHellaSwag } from '@course/models';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, test } from 'vitest';
import { convertHellaSwagJsonl } from '../src/data/hellaswag-jsonl.js';

// Three lines shaped like hellaswag_val.jsonl (extra fields included, as in the real file).
const LINES = [
  {
    ind: 24,
    activity_label: 'Roof shingle removal',
    ctx_a: 'A man is sitting on a roof.',
    ctx_b: 'he',
    ctx: 'A man is sitting on a roof. he',
    split: 'val',
    split_type: 'indomain',
    label: 3,
    endings: [
      'is using wrap to wrap a pair of skis.',
      'is ripping level tiles off.',
      "is holding a rubik's cube.",
      'starts pulling up roofing on a roof.',
    ],
    source_id: 'activitynet~v_-JhWjGDPHMY',
  },
  {
    ind: 92,
    activity_label: 'Clean and jerk',
    ctx: 'A lady walks to a barbell. She bends down and grabs the pole. the lady',
    label: 0,
    endings: [
      'swings and lands in her arms.',
      'pulls the barbell forward.',
      'pulls a rope attached to the barbell.',
      'stands and lifts the weight over her head.',
    ],
  },
  {
    ind: 106,
    activity_label: 'Canoeing',
    ctx: 'Two women in a child are shown in a canoe while a man pulls the canoe while standing in the water, with other individuals visible in the background. the child and a different man',
    label: 2,
    endings: [
      'are then shown paddling down a river in a boat while a woman talks.',
      'are driving the canoe, they go down the river flowing side to side.',
      'sit in a canoe while the man paddles.',
      'walking go down the rapids, while the man in his helicopter almost falls and goes out of canoehood.',
    ],
  },
];

function writeJsonl(lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hellaswag-jsonl-')), 'hellaswag_val.jsonl');
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('convertHellaSwagJsonl', () => {
  test('renders like hellaswag.py: ctx = encode(ctx), ending = encode(" " + ending)', () => {
    const input = writeJsonl([...LINES.map((l) => JSON.stringify(l)), '']);
    const out = join(input, '..', 'hellaswag_val.bin');
    expect(convertHellaSwagJsonl(input, out)).toEqual({ examples: 3 });
    const { examples } = readHellaSwag(out);
    expect(examples).toEqual(
      LINES.map((l) => ({
        label: l.label,
        context: encode(l.ctx),
        endings: l.endings.map((e) => encode(` ${e}`)),
      })),
    );
    // The leading space matters: " he" and "he" are different GPT-2 tokens.
    expect(examples[0].endings[0][0]).toBe(encode(' is')[0]);
  });

  test('a bad line is an InputError naming the file, the line number and the field', () => {
    const good = JSON.stringify(LINES[0]);
    const cases: [unknown, RegExp][] = [
      ['{not json', /line 2: not valid JSON/],
      [JSON.stringify({ ...LINES[1], ctx: 7 }), /line 2: ctx: found 7, expected a string/],
      [
        JSON.stringify({ ...LINES[1], endings: ['a', 'b', 'c'] }),
        /line 2: endings: .*expected an array of 4 strings/,
      ],
      [JSON.stringify({ ...LINES[1], endings: ['a', 'b', 'c', 4] }), /line 2: endings/],
      [JSON.stringify({ ...LINES[1], label: 4 }), /line 2: label: found 4, expected an integer 0..3/],
      [JSON.stringify({ ...LINES[1], label: undefined }), /line 2: label/],
      ['[1,2]', /line 2: line: .*expected a JSON object/],
    ];
    for (const [line, message] of cases) {
      const input = writeJsonl([good, String(line)]);
      expect(() => convertHellaSwagJsonl(input, join(input, '..', 'out.bin'))).toThrow(message);
      expect(() => convertHellaSwagJsonl(input, join(input, '..', 'out.bin'))).toThrow(input);
    }
  });

  test('missing or empty input is an InputError naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hellaswag-jsonl-'));
    expect(() => convertHellaSwagJsonl(join(dir, 'nope.jsonl'), join(dir, 'o.bin'))).toThrow(
      /nope\.jsonl: cannot read/,
    );
    const empty = writeJsonl(['', '  ']);
    expect(() => convertHellaSwagJsonl(empty, join(dir, 'o.bin'))).toThrow(/found no examples/);
  });
});
