import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeText as decodeTokens,
  encodeOrdinary,
  expandShardPattern,
  GPT2,
  gpt2Config,
  type HellaSwagExample,
  initParametersLlmc,
  loadNativeAddon,
  readHellaSwag,
  readShard,
  selectBackend,
  writeHellaSwag,
} from '@course/models';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { beforeAll, describe, expect, test } from 'vitest';
import { AdamW } from '../src/adamw.js';
import { generateHellaSwag, splitSentences } from '../src/data/hellaswag-gen.js';
import { ensureDefaultData, isHeldOutYear, loadSotuAddresses } from '../src/data/sotu.js';
import { DataLoader } from '../src/dataloader.js';
import { accuracyInterval, evaluateModel, hellaswagAccuracy } from '../src/eval.js';
import { learningRate } from '../src/schedulers.js';
import { trainStep } from '../src/step.js';

const V = 50257;
/** Updates of the trained d2 model in the bundled-set test (see there). */
const D2_STEPS = 300;

describe('splitSentences', () => {
  test('splits at . ! ? before a capital, but not after abbreviations, initials or U.S.', () => {
    const text =
      'Mr. Speaker, the U.S. Congress met.  Did it act? Yes! President John F. Kennedy said "Ask not." Then 1961 ended.';
    expect(splitSentences(text)).toEqual([
      'Mr. Speaker, the U.S. Congress met.',
      'Did it act?',
      'Yes!',
      'President John F. Kennedy said "Ask not."',
      'Then 1961 ended.',
    ]);
  });
});

describe('generateHellaSwag on held-out State of the Union addresses', () => {
  const heldOut = loadSotuAddresses()
    .addresses.filter((a) => isHeldOutYear(a.year))
    .slice(0, 12)
    .map((a) => a.text);
  const normalized = heldOut.map((t) => t.replace(/\s+/g, ' '));
  const examples = generateHellaSwag(heldOut, { maxExamples: 600, seed: 7 });

  test('a few hundred examples of 4 endings, deterministic for a seed', () => {
    expect(examples.length).toBe(600);
    for (const ex of examples) expect(ex.endings.length).toBe(4);
    expect(generateHellaSwag(heldOut, { maxExamples: 600, seed: 7 })).toEqual(examples);
    expect(generateHellaSwag(heldOut, { maxExamples: 600, seed: 8 })).not.toEqual(examples);
  });

  test('labels are roughly uniform over 0..3', () => {
    const counts = [0, 1, 2, 3].map((k) => examples.filter((e) => e.label === k).length);
    // 600 draws, p = 1/4: sd ≈ 10.6; 150 ± 45 is more than 4 sd.
    for (const c of counts) expect(Math.abs(c - 150)).toBeLessThan(45);
  });

  test('the labelled ending is the true continuation; the others continue no document', () => {
    for (const ex of examples) {
      const context = decodeTokens(ex.context);
      ex.endings.forEach((ending, i) => {
        const text = decodeTokens(ending);
        const continues = normalized.some((doc) => doc.includes(context + text));
        expect(continues).toBe(i === ex.label);
        // Wrong endings are real text from another document.
        if (i !== ex.label) expect(normalized.some((doc) => doc.includes(text.trim()))).toBe(true);
      });
    }
  });

  test('tokenized as hellaswag.py does: ctx = encode(ctx), ending = encode(" " + ending)', () => {
    for (const ex of examples.slice(0, 50)) {
      expect(ex.context).toEqual(encode(decodeTokens(ex.context)));
      for (const ending of ex.endings) {
        const text = decodeTokens(ending);
        expect(text.startsWith(' ')).toBe(true);
        expect(ending).toEqual(encode(` ${text.slice(1)}`));
      }
    }
  });

  test('ctx + every ending stays under maxTokens (default 64, and a smaller one)', () => {
    const under = (list: typeof examples, max: number) =>
      list.every((ex) => ex.endings.every((e) => ex.context.length + e.length < max));
    expect(under(examples, 64)).toBe(true);
    const small = generateHellaSwag(heldOut, { maxExamples: 200, maxTokens: 32 });
    expect(small.length).toBeGreaterThan(50); // the 12 older addresses have few short sentences
    expect(under(small, 32)).toBe(true);
  });
});

describe("generateHellaSwag with distractors: 'matched'", () => {
  const { addresses } = loadSotuAddresses();
  const heldOut = addresses
    .filter((a) => isHeldOutYear(a.year))
    .slice(0, 12)
    .map((a) => a.text);
  const normalized = heldOut.map((t) => t.replace(/\s+/g, ' '));
  // Counts of the unigram model: 60 training addresses, tokenized here.
  const counts = new Float64Array(V);
  for (const a of addresses.filter((x) => !isHeldOutYear(x.year)).slice(0, 60))
    for (const t of encodeOrdinary(a.text)) counts[t]++;
  const total = counts.reduce((s, c) => s + c, 0);
  const logProb = (tokens: number[]) =>
    tokens.reduce((s, t) => s + Math.log((counts[t] + 1) / (total + V)), 0);
  const opts = { maxExamples: 400, seed: 3, distractors: 'matched', unigramCounts: counts } as const;
  const examples = generateHellaSwag(heldOut, opts);
  const words = (text: string) => text.trim().split(' ').sort().join(' ');

  test('four endings of one token count: the true rest and three real rests from other addresses, none reordered', () => {
    expect(examples.length).toBe(400);
    for (const ex of examples) {
      const context = decodeTokens(ex.context);
      const right = decodeTokens(ex.endings[ex.label]);
      const home = normalized.findIndex((doc) => doc.includes(context + right));
      expect(home).toBeGreaterThanOrEqual(0);
      expect(new Set(ex.endings.map((e) => e.length)).size).toBe(1);
      expect(new Set(ex.endings.map(decodeTokens)).size).toBe(4);
      ex.endings.forEach((ending, i) => {
        if (i === ex.label) return;
        const w = decodeTokens(ending);
        expect(words(w)).not.toBe(words(right));
        expect(normalized.some((doc, d) => d !== home && doc.includes(w.trim()))).toBe(true);
        expect(normalized.some((doc) => doc.includes(context + w))).toBe(false);
      });
    }
  });

  test("the true ending's unigram rank among the four is 1st, 2nd, 3rd and 4th equally often", () => {
    const ranks = [0, 0, 0, 0];
    for (const ex of examples) {
      const lp = ex.endings.map(logProb);
      ranks[lp.filter((x) => x > lp[ex.label]).length]++;
      expect(lp.filter((x) => x === lp[ex.label])).toHaveLength(1); // no ties with the true ending
    }
    expect(ranks).toEqual([100, 100, 100, 100]);
  });

  test('deterministic for a seed; without unigram counts it refuses', () => {
    expect(generateHellaSwag(heldOut, opts)).toEqual(examples);
    expect(generateHellaSwag(heldOut, { ...opts, seed: 4 })).not.toEqual(examples);
    expect(() => generateHellaSwag(heldOut, { distractors: 'matched' })).toThrow(/unigramCounts/);
  });
});

/**
 * The bundled set (`course data default`) must rank models by how well they
 * read the context, never backwards: an untrained GPT and a unigram model
 * (word frequencies, no context) at chance, a bigram model clearly above.
 * Every model is scored as llm.c scores HellaSwag (lowest mean loss over the
 * ending's tokens). A d2 model trained here for 300 steps also scores above
 * chance; longer runs are measured by scripts/hellaswag-baselines.ts (numbers
 * in the root README).
 */
describe('the bundled set: untrained and unigram models at chance, a bigram and a trained d2 model above', () => {
  let examples: HellaSwagExample[];
  let hellaswagPath: string;
  let trainPattern: string;
  const unigram = new Float64Array(V);
  const bigram = new Map<number, number>();
  let total = 0;
  beforeAll(() => {
    const data = ensureDefaultData(join(mkdtempSync(join(tmpdir(), 'hellaswag-bundled-')), 'sotu'));
    hellaswagPath = data.hellaswagPath;
    trainPattern = data.trainPattern;
    examples = readHellaSwag(hellaswagPath).examples;
    for (const path of expandShardPattern(data.trainPattern)) {
      const tokens = readShard(path);
      tokens.forEach((t, i) => {
        unigram[t]++;
        total++;
        if (i > 0) bigram.set(tokens[i - 1] * V + t, (bigram.get(tokens[i - 1] * V + t) ?? 0) + 1);
      });
    }
  });
  const pUnigram = (t: number) => (unigram[t] + 1) / (total + V);
  const pBigram = (prev: number, t: number) => {
    const seen = unigram[prev];
    const weight = seen / (seen + 5); // Witten–Bell-like: trust the bigram more for frequent histories
    return weight * (seen ? (bigram.get(prev * V + t) ?? 0) / seen : 0) + (1 - weight) * pUnigram(t);
  };
  const correct = (p: (prev: number, t: number) => number) =>
    examples.filter((ex) => {
      const meanLoss = ex.endings.map((ending) => {
        const seq = [...ex.context, ...ending];
        let loss = 0;
        for (let j = ex.context.length; j < seq.length; j++) loss -= Math.log(p(seq[j - 1], seq[j]));
        return loss / ending.length;
      });
      return meanLoss.indexOf(Math.min(...meanLoss)) === ex.label;
    }).length;
  const contains = ([lo, hi]: [number, number], x: number) => lo <= x && x <= hi;

  test('a unigram model from the train shard scores 25% exactly (its 95% interval holds 25%)', () => {
    expect(examples.length).toBe(1000);
    const c = correct((_, t) => pUnigram(t));
    expect(c).toBe(250);
    expect(contains(accuracyInterval(c, examples.length), 0.25)).toBe(true);
  });

  test("llm.c's random init (d1 c64 h1, seed 42) scores 25% within its 95% interval, through evaluateModel", async () => {
    await selectBackend('auto', { log: () => {} });
    const config = gpt2Config({ depth: 1, channels: 64, heads: 1 });
    const model = new GPT2(config, initParametersLlmc(config, 42));
    // Ten files of 100 examples, yielding between them: a minute of synchronous scoring
    // (a loaded machine) would time out vitest's worker messages.
    const dir = mkdtempSync(join(tmpdir(), 'hellaswag-parts-'));
    let right = 0;
    try {
      for (let part = 0; part < 10; part++) {
        const path = join(dir, `part${part}.bin`);
        writeHellaSwag(path, examples.slice(100 * part, 100 * (part + 1)));
        const r = evaluateModel(model, { hellaswagPath: path });
        expect(r.hellaswag_n).toBe(100);
        right += Math.round((r.hellaswag_acc as number) * 100);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      model.dispose();
    }
    expect(contains(accuracyInterval(right, 1000), 0.25)).toBe(true);
  }, 600_000);

  test("a bigram model from the train shard scores clearly above chance: its interval's lower bound > 25%", () => {
    const c = correct(pBigram);
    const [lo] = accuracyInterval(c, examples.length);
    expect(lo).toBeGreaterThan(0.25);
  });

  /**
   * A d2 c128 h2 GPT (llm.c init, seed 42) trained here on the train shard for D2_STEPS updates
   * of B 8 × T 64 (shuffled loader, seed 42), AdamW at LR 4e-3, 20 warmup steps, cosine to 0, no
   * weight decay: what `train_gpt2cu -1d 2 -1c 128 -1h 2 -b 8 -t 64 -l 4e-3 -u 20 -x 300` runs.
   * Measured (native, 2 cores): 270/1000 = 27.0% (95% CI 24.3–29.8%) after 150 of the 300 updates,
   * 274/1000 = 27.4% (24.7–30.2%) after a 200-step run (cosine over 200), 301/1000 = 30.1%
   * (27.3–33.0%) after 300, so 300 is the fewest tried whose interval clears 25%, where the
   * untrained and unigram models sit by construction. It is still below the
   * bigram model (337/1000 = 33.7%, 30.8–36.7%): the bigram model counts every pair of the
   * 1.8M-token shard, and 300 updates see 154k tokens (see the root README for longer runs).
   * Runs on native only (cpu is several times slower): where native is not built this fails.
   */
  test('a d2 model trained here for 300 steps on native scores above chance: its lower bound > 25%', async () => {
    const native = loadNativeAddon();
    if (native.addon === null) {
      throw new Error(
        `@course/native is not built (${native.reason}): this test trains a d2 model on the native backend (build it with npm run rebuild -w @course/native)`,
      );
    }
    await selectBackend('native');
    const [B, T, maxLr, warmup] = [8, 64, 4e-3, 20];
    const config = gpt2Config({ depth: 2, channels: 128, heads: 2, maxSeqLen: T });
    const model = new GPT2(config, initParametersLlmc(config, 42));
    const optimizer = new AdamW(model.parameters);
    const loader = new DataLoader(trainPattern, B, T, { shuffle: true, vocabSize: V });
    let right = 0;
    try {
      for (let step = 0; step < D2_STEPS; step++) {
        const lr = learningRate('cosine', step, { maxLr, warmup, totalSteps: D2_STEPS, finalFraction: 0 });
        const settings = { B, T, gradAccum: 1, learningRate: lr, weightDecay: 0, t: step + 1 };
        trainStep(model, optimizer, () => loader.nextBatch(), settings);
        // Yield now and then: minutes of synchronous work would time out vitest's worker messages.
        if (step % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      for (let start = 0; start < examples.length; start += 100) {
        right += hellaswagAccuracy(model, examples.slice(start, start + 100)).correct;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      model.dispose();
      optimizer.dispose();
    }
    const [lo] = accuracyInterval(right, examples.length);
    expect(lo).toBeGreaterThan(0.25);
  }, 900_000);
});
