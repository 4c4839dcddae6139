/**
 * Storage for new tensors: where the current backend wants it (the wasm backend keeps large
 * tensors in its memory, where kernels read them without a copy), else a plain array.
 */
import { getBackend } from '../backends/registry.js';

/** A zero-filled Float32Array of `length` for a new tensor. */
export function newStorage(length: number): Float32Array {
  return getBackend().allocate?.(length) ?? new Float32Array(length);
}

/** A new tensor's storage holding a copy of `values`. */
export function storageOf(values: ArrayLike<number>): Float32Array {
  const data = newStorage(values.length);
  data.set(values);
  return data;
}
