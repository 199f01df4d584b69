import { describe, expect, it } from 'vitest';
import { COMPUTED } from '../src/computed.js';

const compute = (fn: string, args: Record<string, unknown>) => COMPUTED[fn].compute(args);

describe('computed parameter counts of the classic models', () => {
  it('cnn_params: the published figures, from the built graphs', () => {
    expect(compute('cnn_params', { model: 'alexnet' })).toBe(61_100_840); // torchvision
    expect(compute('cnn_params', { model: 'alexnet-grouped' })).toBe(60_965_224); // Krizhevsky 2012, two GPUs
    expect(compute('cnn_params', { model: 'resnet50' })).toBe(25_557_032); // torchvision
    // 10 classes: the last dense layer shrinks from 4096·1000 + 1000 to 4096·10 + 10
    expect(compute('cnn_params', { model: 'alexnet', classes: 10 })).toBe(61_100_840 - 4_097_000 + 40_970);
    expect(() => compute('cnn_params', { model: 'lenet' })).toThrow(/args\.model/);
  });

  it('rnn_params and lstm_params: V·E + (1 or 4)·(E·H + H·H + H) + H·K + K', () => {
    const sizes = { vocab: 1000, embed: 32, hidden: 64, out: 2 };
    expect(compute('rnn_params', sizes)).toBe(32_000 + (2_048 + 4_096 + 64) + 128 + 2);
    expect(compute('lstm_params', sizes)).toBe(32_000 + 4 * (2_048 + 4_096 + 64) + 128 + 2);
    expect(() => compute('lstm_params', { ...sizes, hidden: 0 })).toThrow(/args\.hidden/);
  });
});
