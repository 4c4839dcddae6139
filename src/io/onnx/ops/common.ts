/** Helpers shared by the operator implementations: typed input access and size checks. */
import { Tensor } from '../../../tensor/tensor.js';
import { OnnxError } from '../errors.js';
import { toFloat, type Value } from '../value.js';
import type { Limits, OnnxNode } from './types.js';

/** Float input i (ints are converted: some exporters feed int constants to float ops). */
export function floatIn(node: OnnxNode, inputs: ReadonlyArray<Value | undefined>, i: number, what = `input ${i}`): Tensor {
  const v = inputs[i];
  if (v === undefined) throw new OnnxError(`${node.label}: ${what} is required but missing`);
  return toFloat(v);
}

/** Integer input i as plain numbers (float constants holding integers are accepted). */
export function intsIn(node: OnnxNode, inputs: ReadonlyArray<Value | undefined>, i: number, what = `input ${i}`): number[] {
  const v = inputs[i];
  if (v === undefined) throw new OnnxError(`${node.label}: ${what} is required but missing`);
  const out = Array.from(v.data);
  for (const x of out) {
    if (!Number.isInteger(x)) throw new OnnxError(`${node.label}: ${what} must hold integers, got ${x}`);
  }
  return out;
}

export function optionalIntsIn(node: OnnxNode, inputs: ReadonlyArray<Value | undefined>, i: number, what: string): number[] | undefined {
  return inputs[i] === undefined ? undefined : intsIn(node, inputs, i, what);
}

/** Refuse a computed shape that exceeds the element limit before anything is allocated. */
export function checkSize(node: OnnxNode, shape: readonly number[], limits: Limits, what = 'output'): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new OnnxError(`${node.label}: ${what} shape [${shape.join(',')}] is invalid`);
    n *= d;
  }
  if (n > limits.maxElements) {
    throw new OnnxError(`${node.label}: ${what} shape [${shape.join(',')}] has ${n} elements, more than the limit ${limits.maxElements}`);
  }
}

/** Normalise a possibly negative axis for rank r. */
export function axisOf(node: OnnxNode, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new OnnxError(`${node.label}: ${what} ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** Require a 4-D NCHW input (dnnkit's layers are 2-D). */
export function check4d(node: OnnxNode, x: Value, what = 'input'): void {
  if (x.shape.length !== 4) {
    throw new OnnxError(`${node.label}: ${what} must be 4-D [N, C, H, W] (dnnkit supports 2-D spatial layers), got shape [${x.shape.join(',')}]`);
  }
}

/** Reject an attribute value the implementation does not handle, naming it. */
export function unsupported(node: OnnxNode, what: string): never {
  throw new OnnxError(`${node.label}: ${what} is not supported`);
}

