/**
 * Which WebGPU adapter the `webgpu` backend accepts: a real GPU, never a CPU
 * fallback. Dawn offers software adapters (SwiftShader; Mesa's lavapipe, whose
 * device is "llvmpipe") where no GPU exists; tfjs on those is slower than our
 * CPU backends, so they count as "no GPU".
 *
 * Pure: the adapter is whatever navigator.gpu.requestAdapter() resolved to (or a
 * test's stand-in), read only through the fields below.
 */

/** GPUAdapterInfo as Dawn fills it; `type` is not in the spec but some builds add it. */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  type?: string;
  isFallbackAdapter?: boolean;
}

/** The part of GPUAdapter the choice reads (`isFallbackAdapter` moved into `info` in newer specs). */
export interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: AdapterInfoLike;
}

export type AdapterVerdict = { accepted: true; name: string } | { accepted: false; reason: string };

/**
 * Names software adapters go by, in vendor / architecture / device /
 * description / type: renderers on the CPU, and Dawn's null backend (device
 * "null-backend", which computes nothing).
 */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|\bcpu\b|null-backend/i;

/** The adapter's name as a user would recognise it: the description, else vendor + architecture + device. */
export function adapterName(info: AdapterInfoLike | undefined): string {
  if (info === undefined) return 'an adapter that gives no name';
  const description = info.description?.trim();
  if (description) return description;
  const parts = [info.vendor, info.architecture, info.device].map((s) => s?.trim()).filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : 'an adapter that gives no name';
}

/**
 * Accepts `adapter` unless it is missing (null: no GPU at all) or a CPU
 * fallback, as either flag says or its info's names show.
 */
export function judgeAdapter(adapter: AdapterLike | null | undefined): AdapterVerdict {
  if (adapter === null || adapter === undefined) {
    return { accepted: false, reason: 'no GPU: Dawn found no WebGPU adapter' };
  }
  const info = adapter.info;
  const name = adapterName(info);
  if (adapter.isFallbackAdapter === true || info?.isFallbackAdapter === true) {
    return { accepted: false, reason: `no GPU: the only adapter is a CPU fallback (${name})` };
  }
  const fields = [info?.vendor, info?.architecture, info?.device, info?.description, info?.type];
  if (fields.some((field) => typeof field === 'string' && SOFTWARE.test(field.trim()))) {
    return { accepted: false, reason: `no GPU: the only adapter is software (${name})` };
  }
  return { accepted: true, name };
}
