/**
 * Non-finite weights. A checkpoint whose parameters hold NaN or ±Infinity
 * cannot be scored: every loss is NaN, and HellaSwag's argmin then picks
 * ending 0 every time (the share of label 0, ranked as if it were skill).
 *
 * An IEEE float is NaN or ±Infinity exactly when its exponent bits are all 1:
 *   fp32 (v3): (bits & 0x7f800000) = 0x7f800000
 *   bf16 (v5): the top 16 bits of an fp32, (bits & 0x7f80) = 0x7f80
 * The upload is checked as a stream (checkpoints can be hundreds of MB), the
 * first such parameter named with its tensor (llm.c order) and byte offset.
 */
import { createReadStream } from 'node:fs';
import {
  bf16ToFp32,
  type CheckpointHeader,
  type GPT2Config,
  HEADER_BYTES,
  InputError,
  parameterTensors,
} from '@course/models';

export interface NonFiniteWeight {
  /** Index in the flat parameter array. */
  index: number;
  /** "qkvw[5]": the tensor and the element within it. */
  where: string;
  /** Byte offset in the checkpoint file. */
  byte: number;
  value: number;
}

/** "qkvw[5]" for parameter `index` of `config`, in llm.c's file order. */
export function parameterName(config: GPT2Config, index: number): string {
  const t = parameterTensors(config).find((p) => index >= p.offset && index < p.offset + p.size);
  return t ? `${t.name}[${index - t.offset}]` : `beyond the ${index} parameters`;
}

/** The message for a non-finite weight in `file`: "FILE: parameter I (qkvw[5], byte B): found NaN, …". */
export function nonFiniteWeightMessage(file: string, w: NonFiniteWeight): string {
  return `${file}: parameter ${w.index} (${w.where}, byte ${w.byte}): found ${w.value}, expected a finite number (a model with NaN or infinite weights cannot be scored)`;
}

/** The first NaN or ±Infinity among a checkpoint's parameters (read as a stream), or null. */
export async function findNonFiniteWeight(
  path: string,
  header: CheckpointHeader,
  chunkBytes = 1 << 20,
): Promise<NonFiniteWeight | null> {
  const bytesPer = header.version === 3 ? 4 : 2;
  let index = 0;
  let carry: Buffer = Buffer.alloc(0);
  const stream = createReadStream(path, { start: HEADER_BYTES, highWaterMark: chunkBytes });
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      const chunk = carry.length > 0 ? Buffer.concat([carry, piece]) : piece;
      const whole = chunk.length - (chunk.length % bytesPer);
      const view = new DataView(chunk.buffer, chunk.byteOffset, whole);
      for (let at = 0; at < whole; at += bytesPer, index++) {
        const bad =
          bytesPer === 4
            ? (view.getUint32(at, true) & 0x7f800000) === 0x7f800000
            : (view.getUint16(at, true) & 0x7f80) === 0x7f80;
        if (bad) {
          const value =
            bytesPer === 4
              ? view.getFloat32(at, true)
              : bf16ToFp32(Uint16Array.of(view.getUint16(at, true)))[0];
          return {
            index,
            where: parameterName(header.config, index),
            byte: HEADER_BYTES + index * bytesPer,
            value,
          };
        }
      }
      carry = chunk.subarray(whole);
    }
  } finally {
    stream.destroy();
  }
  return null;
}

/** Throws an InputError naming the first non-finite value of `params` (fp32 in memory). */
export function requireFiniteWeights(
  file: string,
  config: GPT2Config,
  params: Float32Array,
  bytesPer: number,
): void {
  for (let i = 0; i < params.length; i++) {
    if (!Number.isFinite(params[i])) {
      const w = {
        index: i,
        where: parameterName(config, i),
        byte: HEADER_BYTES + i * bytesPer,
        value: params[i],
      };
      throw new InputError(nonFiniteWeightMessage(file, w));
    }
  }
}
