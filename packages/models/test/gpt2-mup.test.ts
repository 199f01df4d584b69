/**
 * muP (gpt2/mup.ts) against independent derivations: the float64 reference
 * GPT-2 with only the two documented forward changes (attention scale √d₀/d,
 * logits ÷ m), muP at m = 1 bit for bit SP, the init std of every group
 * measured at two widths, the LR multipliers, and the fused native attention
 * kernel's scale parameter against the composite on cpu.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { causalSelfAttention, multiHeadAttention } from '../src/attention.js';
import { InputError } from '../src/errors.js';
import { type GPT2Config, gpt2Config, numParameters, parameterTensors } from '../src/gpt2/config.js';
import { initParametersLlmc, residualProjectionStd } from '../src/gpt2/init.js';
import { GPT2 } from '../src/gpt2/model.js';
import {
  attentionScale,
  initParametersMup,
  type MupSettings,
  outputMultiplier,
  recordedMup,
  standardAttentionScale,
  widthMultiplier,
} from '../src/gpt2/mup.js';
import {
  expectSameOnBoth,
  NATIVE_BUILT,
  nativeKernelStats,
  nativeSuite,
  randomTensor,
  setUpNative,
} from './helpers/native.js';
import { referenceLoss } from './helpers/reference-gpt2.js';

// Tiny model: V=50 (padded to 128), maxT 16, 2 layers, 8 channels, 2 heads (head size 4).
const config = gpt2Config({ depth: 2, channels: 8, heads: 2, maxSeqLen: 16, vocabSize: 50 });
const tokens = [
  [3, 17, 49, 0, 8, 8],
  [22, 1, 5, 40, 33, 2],
];
const targets = [
  [17, 49, 0, 8, 8, 11],
  [1, 5, 40, 33, 2, 9],
];

/** Non-trivial parameters (as gpt2-model.test.ts): uniform ±0.3, LN weights near 1, padded rows 0. */
function randomFlat(cfg: GPT2Config, seed: number): Float32Array {
  const flat = new Float32Array(numParameters(cfg));
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (const t of parameterTensors(cfg)) {
    const isLnWeight = t.name === 'ln1w' || t.name === 'ln2w' || t.name === 'lnfw';
    for (let i = 0; i < t.size; i++) flat[t.offset + i] = isLnWeight ? 1 + rand() * 0.4 : rand() * 0.6;
  }
  const wte = parameterTensors(cfg)[0];
  flat.fill(0, wte.offset + cfg.vocabSize * cfg.channels, wte.offset + wte.size);
  return flat;
}

/** Loss and every gradient (file order) of `model` on the fixed batch. */
function lossAndGrads(model: GPT2): { loss: number; grads: Float32Array[] } {
  const x = tf.tensor2d(tokens, undefined, 'int32');
  const y = tf.tensor2d(targets, undefined, 'int32');
  const { value, grads } = tf.variableGrads(() => model.loss(x, y), model.variables());
  const loss = value.dataSync()[0];
  const out = model.parameters.map((p) => grads[p.variable.name].dataSync() as Float32Array);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return { loss, grads: out };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('muP forward', () => {
  test('without muP, and with muP at m = 1, the model is SP bit for bit (loss and every gradient)', () => {
    const flat = randomFlat(config, 7);
    const sp = new GPT2(config, flat);
    const none = new GPT2(config, flat, { mup: undefined });
    const base = new GPT2(config, flat, { mup: { baseWidth: 8 } }); // m = 1
    const a = lossAndGrads(sp);
    const b = lossAndGrads(none);
    const c = lossAndGrads(base);
    expect(b.loss).toBe(a.loss);
    expect(c.loss).toBe(a.loss);
    a.grads.forEach((g, i) => {
      expect(b.grads[i]).toEqual(g);
      expect(c.grads[i]).toEqual(g);
    });
    // and SP is the float64 reference with 1/√hs and no logit multiplier
    expect(a.loss).toBeCloseTo(referenceLoss(config, flat, tokens, targets), 5);
    expect(base.parameters.every((p) => p.lrMultiplier === 1)).toBe(true);
    for (const m of [sp, none, base]) m.dispose();
  });

  test('muP at m = 2 is the reference with attention scale √d₀/d and logits ÷ 2, and nothing else', () => {
    const flat = randomFlat(config, 11);
    const mup: MupSettings = { baseWidth: 4 }; // m = 2, d = 4, d₀ = 2
    const model = new GPT2(config, flat, { mup });
    const { loss } = lossAndGrads(model);
    const scales = { attention: Math.sqrt(2) / 4, logits: 1 / 2 };
    expect(loss).toBeCloseTo(referenceLoss(config, flat, tokens, targets, scales), 5);
    // each change alone moves the loss: both are really applied
    const sp = referenceLoss(config, flat, tokens, targets);
    const onlyAttention = referenceLoss(config, flat, tokens, targets, { attention: scales.attention });
    const onlyLogits = referenceLoss(config, flat, tokens, targets, { logits: scales.logits });
    for (const other of [sp, onlyAttention, onlyLogits]) expect(Math.abs(loss - other)).toBeGreaterThan(1e-4);
    model.dispose();
  });

  test('muP gradients match central differences of the muP reference', () => {
    const flat = randomFlat(config, 13);
    const model = new GPT2(config, flat, { mup: { baseWidth: 4 } });
    const { grads } = lossAndGrads(model);
    const scales = { attention: Math.sqrt(2) / 4, logits: 1 / 2 };
    const f64 = Float64Array.from(flat);
    const eps = 1e-5;
    const probes: [string, number, number][] = [
      ['wte', -1, 3 * 8 + 2],
      ['wte', -1, 11 * 8 + 5],
      ['qkvw', 0, 9 * 8 + 3],
      ['qkvw', 1, 2 * 8 + 7],
      ['attprojw', 1, 13],
      ['fcw', 0, 100],
      ['fcprojw', 1, 77],
      ['lnfw', -1, 4],
    ];
    for (const [name, layer, i] of probes) {
      const k = model.parameters.findIndex((q) => q.name === name && q.layer === layer);
      const at = model.parameters[k].offset + i;
      const saved = f64[at];
      f64[at] = saved + eps;
      const up = referenceLoss(config, f64, tokens, targets, scales);
      f64[at] = saved - eps;
      const down = referenceLoss(config, f64, tokens, targets, scales);
      f64[at] = saved;
      const numeric = (up - down) / (2 * eps);
      expect(Math.abs(grads[k][i] - numeric), `${name}[${layer}][${i}]`).toBeLessThan(
        2e-4 + 1e-3 * Math.abs(numeric),
      );
    }
    model.dispose();
  });

  test('scales: m = C/C₀, attention √d₀/d (SP 1/√d as a C float at d = d₀), logits 1/m', () => {
    const wide = gpt2Config({ depth: 1, channels: 256, heads: 4, maxSeqLen: 8, vocabSize: 50 });
    const mup = { baseWidth: 64 }; // d = 64, d₀ = 16
    expect(widthMultiplier(wide, mup)).toBe(4);
    expect(attentionScale(wide, mup)).toBe(Math.fround(4 / 64));
    expect(attentionScale(wide, undefined)).toBe(Math.fround(1 / 8));
    expect(attentionScale(wide, { baseWidth: 256 })).toBe(standardAttentionScale(64));
    expect(outputMultiplier(wide, mup)).toBe(1 / 4);
    expect(outputMultiplier(wide, undefined)).toBe(1);
    expect(standardAttentionScale(3)).toBe(Math.fround(1 / Math.fround(Math.sqrt(3))));
    expect(() => widthMultiplier(wide, { baseWidth: 62 })).toThrow(InputError); // not a multiple of 4 heads
    expect(() => widthMultiplier(wide, { baseWidth: 0 })).toThrow(
      /expected a positive multiple of the 4 heads/,
    );
  });
});

describe('muP parameter groups', () => {
  test('LR multipliers: 1/m on qkvw, attprojw, fcw, fcprojw; 1 on embeddings, biases, LayerNorm', () => {
    const model = new GPT2(config, randomFlat(config, 3), { mup: { baseWidth: 2 } }); // m = 4
    for (const p of model.parameters) {
      const hidden = ['qkvw', 'attprojw', 'fcw', 'fcprojw'].includes(p.name);
      expect(p.lrMultiplier, p.name).toBe(hidden ? 1 / 4 : 1);
    }
    model.dispose();
  });

  test('init std, measured at widths 128 and 256 (base 64): hidden matrices σ_SP/√m, the rest as SP', () => {
    const std = (v: Float32Array) => {
      let s = 0;
      let s2 = 0;
      for (const x of v) {
        s += x;
        s2 += x * x;
      }
      const mean = s / v.length;
      return Math.sqrt(s2 / v.length - mean * mean);
    };
    const L = 2;
    const measured = [128, 256].map((C) => {
      const cfg = gpt2Config({ depth: L, channels: C, heads: 4, maxSeqLen: 64, vocabSize: 500 });
      const flat = initParametersMup(cfg, { baseWidth: 64 });
      const sp = initParametersLlmc(cfg);
      const m = C / 64;
      const byName = Object.fromEntries(
        parameterTensors(cfg).map((t) => {
          const real = t.name === 'wte' ? cfg.vocabSize * C : t.size; // padded wte rows are 0
          return [t.name, std(flat.subarray(t.offset, t.offset + real))];
        }),
      );
      // the same draws: muP's hidden matrices are SP's ÷ √m, everything else identical
      for (const t of parameterTensors(cfg)) {
        const hidden = ['qkvw', 'attprojw', 'fcw', 'fcprojw'].includes(t.name);
        const a = flat.subarray(t.offset, t.offset + t.size);
        const b = sp.subarray(t.offset, t.offset + t.size);
        if (!hidden) expect(a, t.name).toEqual(b);
        else for (const i of [0, 1, t.size - 1]) expect(a[i]).toBe(Math.fround(b[i] * (1 / Math.sqrt(m))));
      }
      return { m, byName };
    });
    for (const { m, byName } of measured) {
      const near = (got: number, want: number, what: string) =>
        expect(Math.abs(got / want - 1), `${what} at m = ${m}: std ${got}, expected ${want}`).toBeLessThan(
          0.03,
        );
      near(byName.qkvw, 0.02 / Math.sqrt(m), 'qkvw');
      near(byName.fcw, 0.02 / Math.sqrt(m), 'fcw');
      near(byName.attprojw, residualProjectionStd(L) / Math.sqrt(m), 'attprojw');
      near(byName.fcprojw, residualProjectionStd(L) / Math.sqrt(m), 'fcprojw');
      near(byName.wte, 0.02, 'wte');
      near(byName.wpe, 0.02, 'wpe');
      for (const name of ['qkvb', 'attprojb', 'fcb', 'fcprojb', 'ln1b', 'ln2b', 'lnfb', 'ln1w', 'lnfw'])
        expect(byName[name], name).toBe(0); // biases 0, LayerNorm weights all 1: no spread
    }
    // doubling the width divides the hidden matrices' std by √2
    const ratio = measured[1].byName.fcw / measured[0].byName.fcw;
    expect(Math.abs(ratio - Math.SQRT1_2)).toBeLessThan(0.02);
  });
});

describe('recordedMup: the settings in the run.json beside a checkpoint', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads config.mup / config.mupBaseWidth; none or SP is undefined; bad JSON is an InputError', () => {
    const ckpt = join(dir, 'model_00000010.bin');
    expect(recordedMup(ckpt)).toBeUndefined();
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: { mup: true, mupBaseWidth: 64 } }));
    expect(recordedMup(ckpt)).toEqual({ baseWidth: 64 });
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: { mup: false, mupBaseWidth: null } }));
    expect(recordedMup(ckpt)).toBeUndefined();
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: { mup: true, mupBaseWidth: 'x' } }));
    expect(() => recordedMup(ckpt)).toThrow(/mupBaseWidth: found "x", expected a positive integer/);
    writeFileSync(join(dir, 'run.json'), '{');
    expect(() => recordedMup(ckpt)).toThrow(InputError);
  });
});

interface Case {
  B: number;
  T: number;
  C: number;
  H: number;
  scale: number;
}

// muP scales (√d₀/d for a few base widths) and an arbitrary one
const CASES: Case[] = [
  { B: 2, T: 7, C: 12, H: 3, scale: Math.fround(Math.sqrt(2) / 4) },
  { B: 1, T: 9, C: 16, H: 2, scale: Math.fround(2 / 8) },
  { B: 3, T: 16, C: 32, H: 4, scale: 0.7 },
];

/** Output and the gradients of x and W_qkv of causal attention with `scale`. */
function attentionGrads({ B, T, C, H, scale }: Case, fused: boolean): tf.Tensor[] {
  const x = randomTensor([B, T, C], 1) as tf.Tensor3D;
  const qkvw = randomTensor([3 * C, C], 2, -0.5, 0.5) as tf.Tensor2D;
  const w = { qkv: { weight: qkvw }, proj: { weight: randomTensor([C, C], 4, -0.5, 0.5) as tf.Tensor2D } };
  const probe = randomTensor([B, T, C], 6);
  const f = (xi: tf.Tensor, qw: tf.Tensor) => {
    const weights = { qkv: { weight: qw as tf.Tensor2D }, proj: w.proj };
    const y = fused
      ? causalSelfAttention(xi as tf.Tensor3D, weights, H, scale)
      : multiHeadAttention(xi as tf.Tensor3D, weights, { heads: H, causal: true, scale }).output;
    return tf.sum(tf.mul(y, probe));
  };
  const { value, grads } = tf.valueAndGrads(f)([x, qkvw]);
  return [value, ...grads];
}

describe.skipIf(!NATIVE_BUILT)(
  nativeSuite('the fused native attention kernel takes the softmax scale'),
  () => {
    beforeAll(setUpNative);

    for (const c of CASES) {
      it(`B ${c.B} T ${c.T} C ${c.C} H ${c.H} scale ${c.scale}: fused on native = composite on cpu (output, dx, dW_qkv)`, async () => {
        nativeKernelStats(true);
        await expectSameOnBoth('scaled attention', () => attentionGrads(c, true), { rtol: 2e-4, atol: 2e-5 });
        const stats = nativeKernelStats();
        expect(stats.CourseCausalAttention && stats.CourseCausalAttentionGrad).toBeTruthy();
      });
    }

    it('the default scale is 1/√hs exactly: passing standardAttentionScale gives the same bits', async () => {
      await tf.setBackend('native');
      const c = { B: 2, T: 8, C: 12, H: 3 };
      const run = (scale?: number) =>
        tf.tidy(() => {
          const x = randomTensor([c.B, c.T, c.C], 1) as tf.Tensor3D;
          const w = {
            qkv: { weight: randomTensor([3 * c.C, c.C], 2, -0.5, 0.5) as tf.Tensor2D },
            proj: { weight: randomTensor([c.C, c.C], 4, -0.5, 0.5) as tf.Tensor2D },
          };
          const { value, grads } = tf.valueAndGrads((xi: tf.Tensor) =>
            tf.sum(tf.square(causalSelfAttention(xi as tf.Tensor3D, w, c.H, scale))),
          )([x]);
          return [value.dataSync().slice(), grads[0].dataSync().slice()];
        });
      const [v0, g0] = run();
      const [v1, g1] = run(standardAttentionScale(c.C / c.H));
      expect(v1).toEqual(v0);
      expect(g1).toEqual(g0);
      await tf.setBackend('cpu');
    });

    it('a muP GPT-2 (m = 2) gives the same loss on native as on cpu', async () => {
      const flat = randomFlat(config, 17);
      const loss = () => {
        const model = new GPT2(config, flat, { mup: { baseWidth: 4 } });
        const value = model.loss(
          tf.tensor2d(tokens, undefined, 'int32'),
          tf.tensor2d(targets, undefined, 'int32'),
        );
        model.dispose();
        return value;
      };
      await expectSameOnBoth('muP loss', loss, { rtol: 1e-5, atol: 1e-5 });
    });
  },
);
