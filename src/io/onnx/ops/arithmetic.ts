/**
 * Add, Sub, Mul, Div with numpy broadcasting. Float operands go through dnnkit's
 * differentiable ops; integer operands (shape arithmetic) are computed on plain numbers, Div
 * truncating toward zero as ONNX integer division does.
 */
import { add, sub, mul, div } from '../../../ops/elementwise.js';
import { OnnxError } from '../errors.js';
import { IntTensor, toFloat, type Value } from '../value.js';
import { stridesOf, sizeOf } from '../../../tensor/shape.js';
import { checkSize } from './common.js';
import type { Limits, OnnxNode, OpSpec, Prepared } from './types.js';

/** numpy broadcasting of two shapes. */
export function broadcastShape(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1, y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new OnnxError(`${node.label}: shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}

function intBinary(node: OnnxNode, a: IntTensor, b: IntTensor, f: (x: number, y: number) => number, limits: Limits): IntTensor {
  const shape = broadcastShape(node, a.shape, b.shape);
  checkSize(node, shape, limits);
  const n = sizeOf(shape);
  const sa = stridesOf(a.shape), sb = stridesOf(b.shape), so = stridesOf(shape);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(i / so[d]!) % shape[d]!;
      const da = d - (shape.length - a.shape.length), db = d - (shape.length - b.shape.length);
      if (da >= 0 && a.shape[da] !== 1) ia += c * sa[da]!;
      if (db >= 0 && b.shape[db] !== 1) ib += c * sb[db]!;
    }
    out[i] = f(a.data[ia]!, b.data[ib]!);
  }
  return new IntTensor(shape, out, a.dataType);
}

function binaryOp(floatFn: typeof add, intFn: (x: number, y: number) => number): OpSpec {
  return {
    attributes: ['axis', 'broadcast'],
    inputs: [2, 2],
    outputs: [1, 1],
    prepare({ node, limits }): Prepared {
      if (node.attrs.has('axis')) throw new OnnxError(`${node.label}: the legacy 'axis' attribute (opset < 7 broadcasting) is not supported`);
      return {
        run(inputs) {
          const [a, b] = inputs;
          if (a === undefined || b === undefined) throw new OnnxError(`${node.label}: needs two inputs`);
          if (a instanceof IntTensor && b instanceof IntTensor) return [intBinary(node, a, b, intFn, limits)];
          checkSize(node, broadcastShape(node, a.shape, b.shape), limits);
          return [floatFn(toFloat(a), toFloat(b)) as Value];
        },
      };
    },
  };
}

export const Add = binaryOp(add, (x, y) => x + y);
export const Sub = binaryOp(sub, (x, y) => x - y);
export const Mul = binaryOp(mul, (x, y) => x * y);
export const Div = binaryOp(div, (x, y) => (y === 0 ? 0 : Math.trunc(x / y)));
