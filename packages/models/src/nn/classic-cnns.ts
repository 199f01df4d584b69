/**
 * The classic ImageNet CNNs as tfjs layer graphs, built only to count their
 * parameters: the count comes from the built model, not from a table.
 *
 *   alexnet          single-tower AlexNet as torchvision builds it (64-192-384-256-256 filters)
 *   alexnet-grouped  Krizhevsky et al. 2012's two-GPU AlexNet: conv2, conv4 and conv5
 *                    in two groups (each half of the filters sees half the channels)
 *   vgg16, vgg19     Simonyan & Zisserman 2014, configurations D and E (torchvision)
 *   resnet50/152     He et al. 2015 bottleneck ResNets as torchvision (v1.5: stride in the 3×3)
 *
 * Parameter-free layers that tfjs lacks (AlexNet's local response normalization)
 * are left out; dropout is left out too (no parameters). Weights are created with
 * zeros initializers: nothing random to draw, and nothing here is trained.
 *
 * BatchNorm: tfjs keeps moving mean and variance as non-trainable weights, which
 * countParams() includes; torchvision's parameters() holds only gamma and beta
 * (its running statistics are buffers). The published ResNet figures are
 * therefore the trainable count, which is what classicCnnParameterCount returns.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';

export const CLASSIC_CNNS = [
  'alexnet',
  'alexnet-grouped',
  'vgg16',
  'vgg19',
  'resnet50',
  'resnet152',
] as const;
export type ClassicCnnName = (typeof CLASSIC_CNNS)[number];

/** What each network is and the published figure its count reproduces (1000 classes). */
export const CLASSIC_CNN_NOTES: Record<ClassicCnnName, string> = {
  alexnet: "single-tower AlexNet as torchvision builds it (torchvision's 61,100,840)",
  'alexnet-grouped':
    'AlexNet as in Krizhevsky et al. 2012, conv2/4/5 grouped over two GPUs ("60 million"; Caffe\'s bvlc_alexnet 60,965,224)',
  vgg16: "VGG16, configuration D (torchvision's 138,357,544)",
  vgg19: "VGG19, configuration E (torchvision's 143,667,240)",
  resnet50: "ResNet-50 (torchvision's 25,557,032)",
  resnet152: "ResNet-152 (torchvision's 60,192,808)",
};

export function isClassicCnnName(name: string): name is ClassicCnnName {
  return (CLASSIC_CNNS as readonly string[]).includes(name);
}

// ------------------------------------------------------------------ pieces ---

/** Channels [begin, begin + size) of an NHWC tensor: one group's input in a grouped convolution. */
class ChannelSlice extends tf.layers.Layer {
  static readonly className = 'ChannelSlice';

  constructor(
    private readonly begin: number,
    private readonly size: number,
  ) {
    super({});
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.slice(x, [0, 0, 0, this.begin], [-1, -1, -1, this.size]);
  }
}

type Sym = tf.SymbolicTensor;

interface ConvSpec {
  filters: number;
  kernel: number;
  stride?: number;
  /** 'same' for stride-1 odd kernels; a number pads explicitly (torchvision's padding=p). */
  pad?: 'same' | number;
  /** Split input and filters into this many groups (tfjs has no groups argument). */
  groups?: number;
  bias?: boolean;
  activation?: 'relu' | 'linear';
}

function conv(x: Sym, spec: ConvSpec): Sym {
  const { filters, kernel, stride = 1, pad = 0, groups = 1, bias = true, activation = 'linear' } = spec;
  const input =
    typeof pad === 'number' && pad > 0 ? (tf.layers.zeroPadding2d({ padding: pad }).apply(x) as Sym) : x;
  const oneConv = (inp: Sym, n: number) =>
    tf.layers
      .conv2d({
        filters: n,
        kernelSize: kernel,
        strides: stride,
        padding: pad === 'same' ? 'same' : 'valid',
        useBias: bias,
        activation,
        kernelInitializer: 'zeros',
      })
      .apply(inp) as Sym;
  if (groups === 1) return oneConv(input, filters);
  // grouped: group g convolves channels [g·C/G, (g+1)·C/G) into filters/G outputs; outputs concatenated
  const channels = input.shape[3] as number;
  const branches = Array.from({ length: groups }, (_, g) => {
    const part = new ChannelSlice((g * channels) / groups, channels / groups).apply(input) as Sym;
    return oneConv(part, filters / groups);
  });
  return tf.layers.concatenate({ axis: -1 }).apply(branches) as Sym;
}

function maxPool(x: Sym, size: number, stride: number, pad = 0): Sym {
  const input = pad > 0 ? (tf.layers.zeroPadding2d({ padding: pad }).apply(x) as Sym) : x;
  return tf.layers.maxPooling2d({ poolSize: size, strides: stride }).apply(input) as Sym;
}

function dense(x: Sym, units: number, activation: 'relu' | 'linear' = 'relu'): Sym {
  return tf.layers.dense({ units, activation, kernelInitializer: 'zeros' }).apply(x) as Sym;
}

function flatten(x: Sym): Sym {
  return tf.layers.flatten().apply(x) as Sym;
}

function batchNorm(x: Sym): Sym {
  return tf.layers.batchNormalization({ axis: -1 }).apply(x) as Sym;
}

function relu(x: Sym): Sym {
  return tf.layers.activation({ activation: 'relu' }).apply(x) as Sym;
}

// ---------------------------------------------------------------- networks ---

/** torchvision's AlexNet: [224, 224, 3] -> 55 -> 27 -> 13 -> 6 (×256) -> 4096 -> 4096 -> classes. */
function alexnet(classes: number): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3] });
  let x = conv(input, { filters: 64, kernel: 11, stride: 4, pad: 2, activation: 'relu' }); // [55, 55, 64]
  x = maxPool(x, 3, 2); // [27, 27, 64]
  x = conv(x, { filters: 192, kernel: 5, pad: 'same', activation: 'relu' });
  x = maxPool(x, 3, 2); // [13, 13, 192]
  x = conv(x, { filters: 384, kernel: 3, pad: 'same', activation: 'relu' });
  x = conv(x, { filters: 256, kernel: 3, pad: 'same', activation: 'relu' });
  x = conv(x, { filters: 256, kernel: 3, pad: 'same', activation: 'relu' });
  x = maxPool(x, 3, 2); // [6, 6, 256]
  x = flatten(x); // 9216
  x = dense(dense(x, 4096), 4096);
  return tf.model({ inputs: input, outputs: dense(x, classes, 'linear'), name: 'alexnet' });
}

/**
 * The 2012 paper's AlexNet (its Figure 2): [227, 227, 3] input, 96-256-384-384-256
 * filters, conv2/conv4/conv5 grouped in two (each GPU's half sees only its own
 * half of the previous layer), conv3 and the dense layers connected across both.
 */
function alexnetGrouped(classes: number): tf.LayersModel {
  const input = tf.input({ shape: [227, 227, 3] });
  let x = conv(input, { filters: 96, kernel: 11, stride: 4, activation: 'relu' }); // [55, 55, 96] (48 per GPU)
  x = maxPool(x, 3, 2); // [27, 27, 96] (the paper's response normalization has no parameters)
  x = conv(x, { filters: 256, kernel: 5, pad: 'same', groups: 2, activation: 'relu' }); // 5×5×48 kernels
  x = maxPool(x, 3, 2); // [13, 13, 256]
  x = conv(x, { filters: 384, kernel: 3, pad: 'same', activation: 'relu' }); // 3×3×256: across GPUs
  x = conv(x, { filters: 384, kernel: 3, pad: 'same', groups: 2, activation: 'relu' }); // 3×3×192
  x = conv(x, { filters: 256, kernel: 3, pad: 'same', groups: 2, activation: 'relu' }); // 3×3×192
  x = maxPool(x, 3, 2); // [6, 6, 256]
  x = flatten(x); // 9216
  x = dense(dense(x, 4096), 4096);
  return tf.model({ inputs: input, outputs: dense(x, classes, 'linear'), name: 'alexnet-grouped' });
}

/** VGG: 3×3 'same' convolutions in five stages, each followed by a 2×2 max pool; 7×7×512 -> 4096 -> 4096. */
function vgg(convsPerStage: number[], classes: number, name: string): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3] });
  let x: Sym = input;
  [64, 128, 256, 512, 512].forEach((filters, stage) => {
    for (let i = 0; i < convsPerStage[stage]; i++)
      x = conv(x, { filters, kernel: 3, pad: 'same', activation: 'relu' });
    x = maxPool(x, 2, 2);
  }); // [7, 7, 512]
  x = flatten(x); // 25088
  x = dense(dense(x, 4096), 4096);
  return tf.model({ inputs: input, outputs: dense(x, classes, 'linear'), name });
}

/**
 * Bottleneck block: 1×1 (width) -> 3×3 (width, stride) -> 1×1 (4·width), each
 * conv without bias and followed by BatchNorm; the shortcut is a strided 1×1
 * conv + BatchNorm when the shape changes, the identity otherwise.
 */
function bottleneck(x: Sym, width: number, stride: number): Sym {
  let y = relu(batchNorm(conv(x, { filters: width, kernel: 1, bias: false })));
  y = relu(batchNorm(conv(y, { filters: width, kernel: 3, stride, pad: 1, bias: false })));
  y = batchNorm(conv(y, { filters: 4 * width, kernel: 1, bias: false }));
  const inChannels = x.shape[3] as number;
  const shortcut =
    stride !== 1 || inChannels !== 4 * width
      ? batchNorm(conv(x, { filters: 4 * width, kernel: 1, stride, bias: false }))
      : x;
  return relu(tf.layers.add().apply([y, shortcut]) as Sym);
}

/** ResNet with bottleneck blocks: stem, four stages of `blocks[i]` blocks (width 64·2^i), global average pool, fc. */
function resnet(blocks: number[], classes: number, name: string): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3] });
  let x = relu(batchNorm(conv(input, { filters: 64, kernel: 7, stride: 2, pad: 3, bias: false }))); // [112, 112, 64]
  x = maxPool(x, 3, 2, 1); // [56, 56, 64]
  blocks.forEach((count, stage) => {
    for (let i = 0; i < count; i++) x = bottleneck(x, 64 * 2 ** stage, i === 0 && stage > 0 ? 2 : 1);
  }); // [7, 7, 2048]
  x = tf.layers.globalAveragePooling2d({}).apply(x) as Sym; // 2048
  return tf.model({ inputs: input, outputs: dense(x, classes, 'linear'), name });
}

/** Builds the named network (its weights allocated: dispose it when done). */
export function buildClassicCnn(name: ClassicCnnName, opts: { classes?: number } = {}): tf.LayersModel {
  const classes = opts.classes ?? 1000;
  switch (name) {
    case 'alexnet':
      return alexnet(classes);
    case 'alexnet-grouped':
      return alexnetGrouped(classes);
    case 'vgg16':
      return vgg([2, 2, 3, 3, 3], classes, 'vgg16');
    case 'vgg19':
      return vgg([2, 2, 4, 4, 4], classes, 'vgg19');
    case 'resnet50':
      return resnet([3, 4, 6, 3], classes, 'resnet50');
    case 'resnet152':
      return resnet([3, 8, 36, 3], classes, 'resnet152');
  }
}

export interface CnnParameterCounts {
  model: ClassicCnnName;
  /** What PyTorch's parameters() counts (BatchNorm gamma and beta): the published figures. */
  trainable: number;
  /** BatchNorm moving mean and variance (buffers in PyTorch). */
  nonTrainable: number;
  /** model.countParams(): trainable + non-trainable. */
  total: number;
}

/**
 * Counting only allocates weights, so every backend gives the same numbers. A
 * caller that has chosen none (a grader computing a reference) gets cpu, whose
 * setup is synchronous; tfjs would otherwise refuse to run before wasm's async setup.
 */
function useCpuIfNoBackend(): void {
  if (tf.engine().backendName == null) void tf.setBackend('cpu');
}

/** Builds the network, counts its weights, and frees it. */
export function classicCnnParameterCounts(name: string, opts: { classes?: number } = {}): CnnParameterCounts {
  if (!isClassicCnnName(name))
    throw new InputError(`model: found '${name}', expected one of ${CLASSIC_CNNS.join(', ')}`);
  useCpuIfNoBackend();
  const model = buildClassicCnn(name, opts);
  try {
    const size = (ws: tf.LayerVariable[]) =>
      ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);
    const total = model.countParams();
    const trainable = size(model.trainableWeights);
    return { model: name, trainable, nonTrainable: total - trainable, total };
  } finally {
    model.dispose();
  }
}

/** Trainable parameters of the named network (the torchvision / paper figure), counted from the built graph. */
export function classicCnnParameterCount(name: string, opts: { classes?: number } = {}): number {
  return classicCnnParameterCounts(name, opts).trainable;
}
