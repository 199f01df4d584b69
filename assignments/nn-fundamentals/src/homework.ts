/**
 * The givens of each question, exactly as the handout (README.md) prints them.
 * The reference answers are computed from these by the toolkit (references.ts);
 * nothing here is an answer.
 */
import type { FcLayerRooflineInput, ScoredLabel, SigmoidNetSpec } from '@course/trainer';

/** Question 1: a multi-layer perceptron 33-512-10 (dense layers with biases). */
export const MLP_LAYERS = [33, 512, 10];

/**
 * Question 2: the 3-3-2 sigmoid network. x, b1, b2 and the targets are the
 * homework's; our copy lost W1 and W2, so the handout fixes these values.
 * W1[i][j] connects input i to hidden unit j; W2[j][k] hidden j to output k (0-based here,
 * 1-based as w⁽¹⁾ᵢⱼ in the handout).
 */
export const SIGMOID_NET: SigmoidNetSpec = {
  x: [0.02, 0.04, 0.01],
  W1: [
    [0.1, 0.2, 0.3],
    [0.4, 0.5, 0.6],
    [0.7, 0.8, 0.9],
  ],
  b1: 0.4,
  W2: [
    [0.1, 0.2],
    [0.3, 0.4],
    [0.5, 0.6],
  ],
  b2: 0.7,
  targets: [0.9, 0.5],
};

/** The weights whose gradient Question 2 asks for: w⁽²⁾₁₁ and w⁽¹⁾₁₁. */
export const SIGMOID_NET_WEIGHTS = ['W2[0][0]', 'W1[0][0]'] as const;

/** Question 3: fifteen detections of one class, in the order the detector reported them. */
export const DETECTIONS: ScoredLabel[] = [
  { confidence: 0.62, label: 0 },
  { confidence: 0.91, label: 1 },
  { confidence: 0.29, label: 1 },
  { confidence: 0.84, label: 1 },
  { confidence: 0.47, label: 1 },
  { confidence: 0.18, label: 0 },
  { confidence: 0.95, label: 1 },
  { confidence: 0.73, label: 0 },
  { confidence: 0.55, label: 1 },
  { confidence: 0.36, label: 0 },
  { confidence: 0.88, label: 0 },
  { confidence: 0.68, label: 1 },
  { confidence: 0.51, label: 0 },
  { confidence: 0.79, label: 1 },
  { confidence: 0.42, label: 0 },
];

/** Question 3: detections with confidence ≥ this count as positive. */
export const CONFIDENCE_THRESHOLD = 0.5;

/** Question 4: the networks whose parameter count `course params` prints. */
export const CNNS = ['alexnet', 'vgg19', 'resnet152'] as const;

/**
 * Question 5: one fully-connected layer (4096 → 1024, batch 16, fp16) on an
 * accelerator with a 32×32 MAC array at 1 GHz and 25.6 GB/s of DRAM bandwidth.
 */
export const FC_LAYER: FcLayerRooflineInput = {
  batch: 16,
  inputs: 4096,
  outputs: 1024,
  bytesPerValue: 2,
  macsPerCycle: 1024,
  clockHz: 1e9,
  bandwidthBytesPerSecond: 25.6e9,
};
