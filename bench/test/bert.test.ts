/**
 * The bert-mini case has the shapes of bench/torch_reference.py's BERT_MINI
 * (read from the Python file, so the two cannot drift apart) and counts the
 * parameters torch's model has. No timing is asserted.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertConfig, bertParameterCount } from '@course/models';
import { describe, expect, test } from 'vitest';
import { BERT_MINI_CASE } from '../bert.mjs';
import { CASES } from '../cases.mjs';

const TORCH_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'torch_reference.py');

/** BERT_MINI = dict(key=value, ...) from the Python source, values as numbers. */
function torchBertMini(): Record<string, number> {
  const match = /BERT_MINI = dict\(([^)]*)\)/s.exec(readFileSync(TORCH_SCRIPT, 'utf8'));
  if (!match) throw new Error('torch_reference.py: BERT_MINI = dict(...) not found');
  const entries = match[1]
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.split('=').map((x) => x.trim()));
  return Object.fromEntries(entries.map(([k, v]) => [k, Number(v)]));
}

describe('bench bert-mini', () => {
  test("is a case with a torch twin, with torch_reference.py's BERT_MINI shapes", () => {
    expect(CASES['bert-mini']).toMatchObject({ torch: true });
    const t = torchBertMini();
    const s = BERT_MINI_CASE;
    expect({
      layers: s.layers,
      channels: s.channels,
      heads: s.heads,
      ffn: s.ffn,
      vocab: s.vocab,
      max_t: s.maxPositions,
      types: s.types,
      dropout: s.dropout,
      out: s.out,
      B: s.B,
      T: s.T,
      lr: s.learningRate,
    }).toEqual(t);
  });

  test("counts torch's parameters: BertModel 11,170,560 + the 256×5 + 5 classifier", () => {
    const s = BERT_MINI_CASE;
    const config = bertConfig({
      vocabSize: s.vocab,
      hidden: s.channels,
      layers: s.layers,
      heads: s.heads,
      intermediate: s.ffn,
      maxPositions: s.maxPositions,
      typeVocab: s.types,
    });
    expect(bertParameterCount(config) + s.channels * s.out + s.out).toBe(11_171_845);
  });
});
