/** Reading the PyTorch golden values written by scripts/make-op-fixtures.py. */
import { Tensor } from '../../src/tensor/tensor.js';
import { readJson } from '../helpers.js';

export interface EncodedTensor { shape: number[]; data: string }

export interface OpCase {
  name: string;
  options: Record<string, unknown>;
  inputs: Record<string, EncodedTensor>;
  out: EncodedTensor;
  R?: EncodedTensor;
  grads?: Record<string, EncodedTensor>;
  [extra: string]: unknown;
}

/** Decode base64 little-endian float32 into a Tensor (a fresh leaf each call). */
export function decode(e: EncodedTensor, requiresGrad = false): Tensor {
  const bytes = Buffer.from(e.data, 'base64');
  const data = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  const t = new Tensor(data, e.shape);
  t.requiresGrad = requiresGrad;
  return t;
}

export function loadCases(family: string): OpCase[] {
  return readJson<{ cases: OpCase[] }>('test', 'fixtures', 'ops', `${family}.json`).cases;
}

/** Largest |value|, to turn a relative tolerance into an absolute floor. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
