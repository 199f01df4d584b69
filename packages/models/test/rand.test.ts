import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { logf, sincosf } from '../src/rand/glibc-float.js';
import { LLMC_MT19937_STATE_BYTES, MT19937 } from '../src/rand/mt19937.js';

// Torch values come from test/fixtures/torch_init_reference.py (torch 1.13, run with
// ATEN_CPU_CAPABILITY=default, whose scalar normal_ kernel computes what llm.c's rand.h does).
// Each block below quotes the torch call that printed it.

function sha256(values: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

function draws(rng: MT19937, n: number): number[] {
  return Array.from({ length: n }, () => rng.randInt32());
}

function normal(seed: number, n: number, mean = 0, std = 0.02): { values: Float32Array; rng: MT19937 } {
  const rng = new MT19937(seed);
  return { values: rng.normal(new Float32Array(n), mean, std), rng };
}

describe('MT19937 raw stream', () => {
  it('gives the reference outputs for the default seed 5489', () => {
    // Matsumoto & Nishimura's mt19937ar with init_genrand(5489) (std::mt19937's default).
    expect(draws(new MT19937(), 5)).toEqual([3499211612, 581869302, 3890346734, 3586334585, 545404204]);
    // C++11 [rand.predef]: the 10000th consecutive output of a default-constructed mt19937 is 4123659995.
    const rng = new MT19937(5489);
    for (let i = 0; i < 9999; i++) rng.randInt32();
    expect(rng.randInt32()).toBe(4123659995);
  });

  it('matches torch for seed 42', () => {
    // torch.manual_seed(42); torch.randint(0, 0xFFFFFFFF, (5,))
    expect(draws(new MT19937(42), 5)).toEqual([1608637542, 3421126067, 4083286876, 787846414, 3143890026]);
  });

  it('turns draws into floats as torch does', () => {
    // torch.manual_seed(42); torch.rand(4)  then  torch.empty(5).uniform_(-1.5, 2.25)
    const rng = new MT19937(42);
    expect(Array.from({ length: 4 }, () => rng.randFloat32())).toEqual([
      0.8822692632675171, 0.9150039553642273, 0.38286375999450684, 0.9593056440353394,
    ]);
    expect(Array.from(rng.uniform(new Float32Array(5), -1.5, 2.25))).toEqual([
      -0.035819172859191895, 0.7533576488494873, -0.5378531813621521, 1.4761550426483154, 2.02789306640625,
    ]);
    // torch.manual_seed(42); torch.rand(3, dtype=torch.float64): the first draw is the high half.
    const rng64 = new MT19937(42);
    expect([rng64.randFloat64(), rng64.randFloat64(), rng64.randFloat64()]).toEqual([
      0.05815448596142969, 0.06291016742457756, 0.12358607277440903,
    ]);
  });
});

describe('glibc float functions', () => {
  // Inputs where glibc's logf/sinf/cosf are not correctly rounded (printed by the fixture script,
  // which calls libm.so.6 through ctypes): fround(Math.log(x)) would give a different float here.
  const cases: [string, (x: number) => number, [number, number][]][] = [
    [
      'logf',
      logf,
      [
        [0.0005323886871337891, -7.538136959075928],
        [0.000559687614440918, -7.488131999969482],
        [0.0006532073020935059, -7.333616256713867],
        [0.0009503960609436035, -6.95863151550293],
        [0.0009925365447998047, -6.915246486663818],
        [0.0010709166526794434, -6.839240550994873],
      ],
    ],
    [
      'sinf',
      (x) => sin(x)[0],
      [
        [0.010210559703409672, 0.010210382752120495],
        [0.011362168937921524, 0.011361924931406975],
        [0.01151871308684349, 0.01151845883578062],
        [0.013315597549080849, 0.013315204530954361],
        [0.013693475164473057, 0.013693047687411308],
        [0.01635584607720375, 0.0163551177829504],
      ],
    ],
    [
      'cosf',
      (x) => sin(x)[1],
      [
        [0.034279752522706985, 0.9994125366210938],
        [0.039036739617586136, 0.9992381930351257],
        [0.05061911791563034, 0.9987191557884216],
        [0.050930336117744446, 0.9987033605575562],
        [0.05204449221491814, 0.9986460208892822],
        [0.054525602608919144, 0.9985138773918152],
      ],
    ],
  ];
  function sin(x: number): Float64Array {
    const out = new Float64Array(2);
    sincosf(x, out);
    return out;
  }
  const exact: Record<string, (x: number) => number> = { logf: Math.log, sinf: Math.sin, cosf: Math.cos };

  for (const [name, fn, pairs] of cases) {
    it(`${name} reproduces glibc where rounding the exact value would not`, () => {
      for (const [x, expected] of pairs) {
        expect(fn(x)).toBe(expected);
        expect(Math.fround(exact[name](x))).not.toBe(expected);
      }
    });
  }

  it('handles the special logf inputs and the sincos quadrants', () => {
    expect(logf(1)).toBe(0);
    expect(logf(0)).toBe(-Infinity);
    expect(logf(-1)).toBeNaN();
    expect(logf(Math.fround(2 ** -140))).toBe(Math.fround(-140 * Math.LN2));
    for (const x of [0.5, 1, 2, 3, 4, 5, 6, 6.28, -2.5]) {
      const xf = Math.fround(x);
      expect(sin(xf)[0]).toBeCloseTo(Math.sin(xf), 7);
      expect(sin(xf)[1]).toBeCloseTo(Math.cos(xf), 7);
    }
    expect(sin(0)[0]).toBe(0);
    expect(sin(0)[1]).toBe(1);
  });
});

describe('normal (llm.c normal_)', () => {
  it('matches torch.randn(2) for seed 42 (the well-known 0.3367, 0.1288)', () => {
    const { values } = normal(42, 2, 0, 1);
    expect(values[0]).toBeCloseTo(0.3367, 4);
    expect(values[1]).toBeCloseTo(0.1288, 4);
  });

  it('n = 16 and 17 equal torch bit for bit and consume n (+16 if n % 16) draws', () => {
    // torch.manual_seed(42); torch.empty(16).normal_(0, 0.02); then torch.randint(0, 0xFFFFFFFF, (1,))
    const n16 = normal(42, 16);
    expect(Array.from(n16.values)).toEqual([
      0.03853829950094223, 0.029745683073997498, 0.018014343455433846, -0.04211042821407318,
      0.01356836874037981, -0.0246908999979496, -0.0008613496320322156, -0.032093338668346405,
      -0.015042723156511784, 0.03297445550560951, -0.007849573157727718, -0.028072131797671318,
      -0.01455762516707182, -0.011188597418367863, -0.015376778319478035, 0.01524890772998333,
    ]);
    expect(n16.rng.randInt32()).toBe(2581769315);
    // torch.manual_seed(42); torch.empty(17).normal_(0, 0.02); then torch.randint(0, 0xFFFFFFFF, (1,))
    const n17 = normal(42, 17);
    expect(Array.from(n17.values)).toEqual([
      0.03853829950094223, -0.003191946307197213, -0.009947949089109898, 0.008791784755885601,
      -0.015162622556090355, 0.021566351875662804, 0.01601601019501686, 0.033612411469221115,
      0.007117195520550013, 0.025928456336259842, 0.012209329754114151, 0.026694754138588905,
      -0.004632486496120691, 0.0008351898286491632, -0.005031505599617958, 0.017197169363498688,
      -0.006194538436830044,
    ]);
    expect(n17.rng.randInt32()).toBe(2627030329);
  });

  it('n = 40 and 1000 equal torch (selected values and sha256 of all float32)', () => {
    // torch.manual_seed(42); a = torch.empty(n).normal_(0, 0.02); sha256(a.numpy().tobytes())
    const n40 = normal(42, 40).values;
    const picks40: Record<number, number> = {
      0: 0.03853829950094223,
      8: -0.015042723156511784,
      15: 0.01524890772998333,
      23: 0.033612411469221115,
      24: 0.0006982333143241704,
      31: -0.007105731870979071,
      32: -0.02836119756102562,
      39: -0.02572431042790413,
    };
    for (const [i, v] of Object.entries(picks40)) expect(n40[Number(i)]).toBe(v);
    expect(sha256(n40)).toBe('b16fb93e20f2a83edd10b77719ad959a81805f0e6f7d721034dfe6c009a0c334');

    const n1000 = normal(42, 1000).values;
    const picks1000: Record<number, number> = {
      0: 0.03853829950094223,
      499: 0.0018991702236235142,
      983: -0.007179840002208948,
      991: 0.0028296431992202997,
      992: 0.0312606617808342,
      999: -0.01706908829510212,
    };
    for (const [i, v] of Object.entries(picks1000)) expect(n1000[Number(i)]).toBe(v);
    expect(sha256(n1000)).toBe('87d6d4be59e551c07f7f072d22bf5d3e3e65ff08a910a97670357ba4f80b970a');
  });

  it('applies mean and std in float as torch does', () => {
    // torch.manual_seed(7); torch.empty(20).normal_(1.5, 3.0)
    expect(Array.from(normal(7, 20, 1.5, 3).values)).toEqual([
      -0.9604034423828125, 2.6868927478790283, 4.196723937988281, -2.6652121543884277, 2.095332145690918,
      3.8462181091308594, 4.61732292175293, -0.6735339164733887, -1.0467257499694824, -2.1507887840270996,
      1.2569352388381958, 5.584455490112305, -4.684433937072754, 3.5223021507263184, -2.4700374603271484,
      -2.579305648803711, -1.100104808807373, -0.19201922416687012, -4.6693878173828125, 0.42983245849609375,
    ]);
  });

  it('n = 2^20 equals the llm.c emulation and torch (sha256)', () => {
    // Fixture script: LlmcRand(42).normal(2**20, 0, 0.02), identical to torch's normal_ there.
    expect(sha256(normal(42, 1 << 20).values)).toBe(
      '4f2137584310abd89456f0bba632efea8418bb48f7f701eb2132c930abe7cc9e',
    );
  });

  it('n < 16 takes llm.c float path: exact vs the llm.c emulation, close to torch', () => {
    // llm.c emulation (numpy float32 + glibc) and torch.manual_seed(42); torch.empty(n).normal_(0, 0.02)
    const one = normal(42, 1);
    expect(Array.from(one.values)).toEqual([0.006733809132128954]);
    expect(one.rng.randInt32()).toBe(3143890026); // two float64 uniforms = four draws
    const five = normal(42, 5);
    expect(Array.from(five.values)).toEqual([
      0.006733809132128954, 0.002576188649982214, 0.004689247813075781, 0.004606660921126604,
      -0.022457126528024673,
    ]);
    expect(five.rng.randInt32()).toBe(249467210);
    const torchFive = [
      0.006733807269483805, 0.0025761881843209267, 0.0046892473474144936, 0.004606660455465317,
      -0.022457128390669823,
    ];
    torchFive.forEach((v, i) => {
      expect(Math.abs(five.values[i] - v)).toBeLessThan(1e-6 * Math.abs(v));
    });
  });
});

describe('state', () => {
  it('setState resumes the stream where state() left it', () => {
    const rng = new MT19937(1234);
    draws(rng, 700); // past one twist
    const saved = rng.state();
    const expected = draws(rng, 1000);
    const other = new MT19937(1);
    other.setState(saved);
    expect(draws(other, 1000)).toEqual(expected);
  });

  it("writes llm.c's mt19937_state struct", () => {
    const rng = new MT19937(42);
    let bytes = rng.toLlmcStateBytes();
    expect(bytes.length).toBe(2520);
    expect(LLMC_MT19937_STATE_BYTES).toBe(2520);
    let view = new DataView(bytes.buffer);
    // Freshly seeded, as llm.c's manual_seed leaves it: left_ = 1, next_ = 0, state_ = init_genrand(42).
    expect(view.getBigUint64(0, true)).toBe(42n);
    expect(view.getInt32(8, true)).toBe(1);
    expect(view.getUint32(12, true)).toBe(0);
    expect(view.getUint32(16, true)).toBe(42);
    const word1 = Number((1812433253n * BigInt(42 ^ (42 >>> 30)) + 1n) % 2n ** 32n);
    expect(view.getUint32(20, true)).toBe(word1);
    expect(view.getUint32(2512, true)).toBe(0);
    expect(view.getUint32(2516, true)).toBe(0x9908b0df);
    // After three draws: the twist set left_ = 624, each draw took one, next_ = 3.
    draws(rng, 3);
    bytes = rng.toLlmcStateBytes();
    view = new DataView(bytes.buffer);
    expect(view.getInt32(8, true)).toBe(622);
    expect(view.getUint32(12, true)).toBe(3);
  });

  it('reads the struct back and continues the same stream', () => {
    const rng = new MT19937(42);
    draws(rng, 1000);
    const restored = MT19937.fromLlmcStateBytes(rng.toLlmcStateBytes());
    expect(draws(restored, 700)).toEqual(draws(rng, 700));
    expect(restored.toLlmcStateBytes()).toEqual(rng.toLlmcStateBytes());
  });

  it('rejects a struct of the wrong size or with a wrong MATRIX_A', () => {
    expect(() => MT19937.fromLlmcStateBytes(new Uint8Array(2512), 'state.bin')).toThrow(InputError);
    const bytes = new MT19937(42).toLlmcStateBytes();
    bytes[2516] ^= 1;
    expect(() => MT19937.fromLlmcStateBytes(bytes, 'state.bin')).toThrow(
      /state\.bin: mt19937_state MATRIX_A/,
    );
  });
});
