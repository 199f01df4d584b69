/**
 * Roofline estimate of a fully-connected layer y = x·W on an accelerator:
 * the layer takes as long as the slower of doing its multiply-accumulates and
 * moving its data, each at the machine's peak.
 *
 *   MACs           = batch · inputs · outputs
 *   bytes          = bytesPerValue · (inputs·outputs  weights
 *                                   + batch·inputs   input activations
 *                                   + batch·outputs) output activations
 *                    (each read or written once: the ideal on-chip reuse; bias ignored)
 *   computeSeconds = MACs / (macsPerCycle · clockHz)
 *   memorySeconds  = bytes / bandwidthBytesPerSecond
 *   seconds        = max(computeSeconds, memorySeconds)
 *
 * The layer is memory-bound when its arithmetic intensity (MACs per byte) is
 * below the machine's ridge point, macsPerCycle·clockHz / bandwidth. A batch-1
 * layer reads every weight for a single MAC, which is why it is almost always memory-bound.
 */
import { InputError } from '@course/models';

export interface FcLayerRooflineInput {
  batch: number;
  inputs: number;
  outputs: number;
  /** 4 for fp32, 2 for fp16/bf16, 1 for int8. */
  bytesPerValue: number;
  /** Peak multiply-accumulates per clock cycle of the whole accelerator. */
  macsPerCycle: number;
  clockHz: number;
  bandwidthBytesPerSecond: number;
}

export interface FcLayerRoofline {
  macs: number;
  /** Weights + inputs + outputs, in bytes. */
  bytes: number;
  computeSeconds: number;
  memorySeconds: number;
  /** The estimate: max(computeSeconds, memorySeconds). */
  seconds: number;
  /** 'compute' when computeSeconds ≥ memorySeconds. */
  bound: 'compute' | 'memory';
  /** MACs per byte moved (FLOPs per byte is twice this). */
  arithmeticIntensity: number;
  /** The machine's MACs per byte at which compute and memory time are equal. */
  ridgePoint: number;
}

export function fcLayerRoofline(input: FcLayerRooflineInput): FcLayerRoofline {
  for (const key of Object.keys(ROOFLINE_FIELDS) as (keyof FcLayerRooflineInput)[]) {
    const v = input[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new InputError(`fcLayerRoofline: ${key}: found ${v}, expected a positive number`);
    }
  }
  const { batch, inputs, outputs, bytesPerValue, macsPerCycle, clockHz, bandwidthBytesPerSecond } = input;
  const macs = batch * inputs * outputs;
  const bytes = bytesPerValue * (inputs * outputs + batch * inputs + batch * outputs);
  const macsPerSecond = macsPerCycle * clockHz;
  const computeSeconds = macs / macsPerSecond;
  const memorySeconds = bytes / bandwidthBytesPerSecond;
  return {
    macs,
    bytes,
    computeSeconds,
    memorySeconds,
    seconds: Math.max(computeSeconds, memorySeconds),
    bound: computeSeconds >= memorySeconds ? 'compute' : 'memory',
    arithmeticIntensity: macs / bytes,
    ridgePoint: macsPerSecond / bandwidthBytesPerSecond,
  };
}

/** Every input field (the check loop's list). */
const ROOFLINE_FIELDS: Record<keyof FcLayerRooflineInput, true> = {
  batch: true,
  inputs: true,
  outputs: true,
  bytesPerValue: true,
  macsPerCycle: true,
  clockHz: true,
  bandwidthBytesPerSecond: true,
};
