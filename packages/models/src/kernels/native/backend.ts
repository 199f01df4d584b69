/**
 * The `native` backend: tfjs's cpu backend (tensors are JS typed arrays) whose
 * heavy kernels run in C++ (kernels.ts, fused.ts) on arrays it recycles.
 *
 * Recycling: every op of the cpu backend allocates a fresh, zero-filled typed
 * array, and for big tensors that means fresh pages from the OS on every step
 * (page faults were half of a d6 step in a probe). Here a float32 array that a
 * native kernel allocated goes back to a pool when the last tensor using its
 * memory is disposed, and the next kernel asking for that many elements gets
 * it back without zeroing (every native kernel writes all of its output).
 * An array is never recycled once it may be visible outside the backend
 * (readSync/read hand it to the caller: dataSync() returns it as is), nor while
 * any tensor still views it (cpu's Slice returns subarray views, so the count
 * is per ArrayBuffer, not per tensor).
 */
import type * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

type DataId = object;
type BackendValues = Float32Array | Int32Array | Uint8Array | Uint8Array[];

/** Arrays smaller than this are cheap to allocate; the pool keeps bigger ones. */
const MIN_POOLED = 4096;
/** The pool never holds more than this many bytes of free arrays. */
const MAX_POOL_BYTES = 2 * 1024 ** 3;

export class NativeBackend extends MathBackendCPU {
  /** Free arrays by element count. */
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;
  /** How many tensor data entries use each ArrayBuffer. */
  private readonly users = new Map<ArrayBufferLike, number>();
  /** Buffers this backend allocated (only those are recycled or updated in place). */
  private readonly owned = new WeakSet<ArrayBufferLike>();
  /** Buffers handed to callers by readSync/read: never recycled. */
  private readonly escaped = new WeakSet<ArrayBufferLike>();

  constructor() {
    super();
    // The cpu backend's "install tfjs-node" banner on the first tensor: not for us.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A float32 array of n elements with undefined contents, from the pool when one fits. */
  allocFloat32(n: number): Float32Array {
    const list = this.free.get(n);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.freeBytes -= reused.byteLength;
      return reused;
    }
    const fresh = new Float32Array(n);
    this.owned.add(fresh.buffer);
    return fresh;
  }

  /** Wraps a filled array as a tensor of this backend. */
  output(values: Float32Array | Int32Array, shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
    return this.makeTensorInfo(shape, dtype, values);
  }

  /** The array behind a tensor, for kernels (not an escape: kernels never keep it). */
  valuesOf(t: tf.TensorInfo): BackendValues {
    return this.data.get(t.dataId).values as BackendValues;
  }

  /**
   * True when `t`'s array was allocated here, `t` is its only user and nobody
   * outside holds it: safe to update in place. (An array the caller passed to
   * tf.tensor is never owned: updating it would change the caller's data.)
   */
  ownsExclusively(t: tf.TensorInfo): boolean {
    const entry = this.data.get(t.dataId);
    const values = entry.values as BackendValues;
    if (!(values instanceof Float32Array) || entry.refCount !== 1) return false;
    return (
      this.owned.has(values.buffer) &&
      this.users.get(values.buffer) === 1 &&
      !this.escaped.has(values.buffer) &&
      values.byteOffset === 0 &&
      values.byteLength === values.buffer.byteLength
    );
  }

  override write(values: BackendValues, shape: number[], dtype: tf.DataType): DataId {
    const dataId = super.write(values, shape, dtype);
    this.track(values);
    return dataId;
  }

  override move(
    dataId: DataId,
    values: BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void {
    if (this.data.has(dataId)) this.untrack(this.data.get(dataId).values as BackendValues);
    super.move(dataId, values, shape, dtype, refCount);
    this.track(values);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? (this.data.get(dataId).values as BackendValues) : undefined;
    const deleted = super.disposeData(dataId, force);
    if (deleted && values !== undefined) this.untrack(values);
    return deleted;
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    const values = this.data.get(dataId).values as BackendValues;
    if (ArrayBuffer.isView(values)) this.escaped.add(values.buffer);
    return super.readSync(dataId);
  }

  /** Bytes of free arrays held for reuse (for diagnostics and tests). */
  pooledBytes(): number {
    return this.freeBytes;
  }

  override dispose(): void {
    this.free.clear();
    this.freeBytes = 0;
    super.dispose();
  }

  private track(values: BackendValues | undefined): void {
    if (!ArrayBuffer.isView(values)) return;
    this.users.set(values.buffer, (this.users.get(values.buffer) ?? 0) + 1);
  }

  private untrack(values: BackendValues | undefined): void {
    if (!ArrayBuffer.isView(values)) return;
    const buffer = values.buffer;
    const count = (this.users.get(buffer) ?? 1) - 1;
    if (count > 0) {
      this.users.set(buffer, count);
      return;
    }
    this.users.delete(buffer);
    if (!this.owned.has(buffer) || this.escaped.has(buffer) || buffer.byteLength < MIN_POOLED * 4) return;
    if (this.freeBytes + buffer.byteLength > MAX_POOL_BYTES) return;
    const whole = new Float32Array(buffer);
    const list = this.free.get(whole.length);
    if (list === undefined) this.free.set(whole.length, [whole]);
    else list.push(whole);
    this.freeBytes += buffer.byteLength;
  }
}
