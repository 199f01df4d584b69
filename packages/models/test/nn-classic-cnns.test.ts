import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { InputError } from '../src/errors.js';
import {
  buildClassicCnn,
  classicCnnParameterCount,
  classicCnnParameterCounts,
} from '../src/nn/classic-cnns.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

// weights + biases of a k×k convolution from cin to cout channels, and of a dense layer
const convP = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const denseP = (nin: number, nout: number) => nin * nout + nout;

describe('classic CNN parameter counts, from the built tfjs graphs', () => {
  it("single-tower AlexNet = torchvision's 61,100,840", () => {
    expect(classicCnnParameterCount('alexnet')).toBe(61_100_840);
  });

  it('grouped (two-GPU) AlexNet = 60,965,224, the figure worked out layer by layer', () => {
    // Krizhevsky et al. 2012, Fig. 2: conv2, conv4, conv5 see only their own GPU's half of the channels
    const byHand =
      convP(11, 3, 96) + // conv1 34,944 (both GPUs see the image)
      2 * convP(5, 48, 128) + // conv2 grouped 307,456
      convP(3, 256, 384) + // conv3 across GPUs 885,120
      2 * convP(3, 192, 192) + // conv4 grouped 663,936
      2 * convP(3, 192, 128) + // conv5 grouped 442,624
      denseP(6 * 6 * 256, 4096) + // fc6 37,752,832
      denseP(4096, 4096) + // fc7 16,781,312
      denseP(4096, 1000); // fc8 4,097,000
    expect(byHand).toBe(60_965_224);
    // single-tower (61,100,840) minus grouped, per layer: conv1 −11,648 (64 vs 96 filters), conv2 −64,
    // conv3 −221,184 (192 vs 256 inputs), conv4 +221,056 (ungrouped 384→256), conv5 +147,456 (ungrouped 256→256);
    // the dense layers are identical
    expect(61_100_840 - byHand).toBe(-11_648 - 64 - 221_184 + 221_056 + 147_456);
    expect(classicCnnParameterCount('alexnet-grouped')).toBe(byHand);
    // ungrouped (every filter seeing all channels), conv2/4/5 would hold twice their weights
    const ungroupedConvs = convP(5, 96, 256) + convP(3, 384, 384) + convP(3, 384, 256);
    const groupedConvs = 2 * convP(5, 48, 128) + 2 * convP(3, 192, 192) + 2 * convP(3, 192, 128);
    expect(ungroupedConvs - groupedConvs).toBe(1_413_120);
  });

  it('the grouped conv2 is two branches of 5×5×48×128 each', () => {
    const model = buildClassicCnn('alexnet-grouped');
    const kernels = model.layers
      .filter((l) => l.getClassName() === 'Conv2D')
      .map((l) => l.getWeights()[0].shape.join('x'));
    expect(kernels).toEqual([
      '11x11x3x96',
      '5x5x48x128',
      '5x5x48x128',
      '3x3x256x384',
      '3x3x192x192',
      '3x3x192x192',
      '3x3x192x128',
      '3x3x192x128',
    ]);
    expect(model.outputs[0].shape).toEqual([null, 1000]);
    model.dispose();
  });

  it('VGG16 = 138,357,544 and VGG19 = 143,667,240 (torchvision); the classifier follows `classes`', () => {
    expect(classicCnnParameterCount('vgg16')).toBe(138_357_544);
    expect(classicCnnParameterCount('vgg19')).toBe(143_667_240);
    // VGG19 adds one 3×3 conv to each of stages 3, 4, 5
    expect(143_667_240 - 138_357_544).toBe(convP(3, 256, 256) + 2 * convP(3, 512, 512));
    expect(classicCnnParameterCount('vgg16', { classes: 10 })).toBe(
      138_357_544 - denseP(4096, 1000) + denseP(4096, 10),
    );
  });

  it('ResNet-50 = 25,557,032 and ResNet-152 = 60,192,808 trainable (torchvision); BN statistics counted apart', () => {
    const r50 = classicCnnParameterCounts('resnet50');
    expect(r50.trainable).toBe(25_557_032);
    // moving mean + variance: as many as gamma + beta, 2 per BatchNorm channel. BN channels in ResNet-50:
    // stem 64; per block width + width + 4·width; plus a shortcut BN (4·width) in each stage's first block.
    const bnChannels = (blocks: number[]) =>
      64 + blocks.reduce((n, count, s) => n + count * 6 * 64 * 2 ** s + 4 * 64 * 2 ** s, 0);
    expect(r50.nonTrainable).toBe(2 * bnChannels([3, 4, 6, 3]));
    expect(r50.total).toBe(r50.trainable + r50.nonTrainable);
    const r152 = classicCnnParameterCounts('resnet152');
    expect(r152.trainable).toBe(60_192_808);
    expect(r152.nonTrainable).toBe(2 * bnChannels([3, 8, 36, 3]));
  });

  it('frees the model it built and rejects unknown names', () => {
    const before = tf.memory().numTensors;
    classicCnnParameterCount('alexnet');
    expect(tf.memory().numTensors).toBe(before);
    expect(() => classicCnnParameterCount('lenet')).toThrow(InputError);
    expect(() => classicCnnParameterCount('lenet')).toThrow(/expected one of alexnet, alexnet-grouped/);
  });
});
