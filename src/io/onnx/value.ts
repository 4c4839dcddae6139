/**
 * Values flowing through an imported ONNX graph. Floating-point tensors are dnnkit Tensors
 * (float32, autograd-capable, so an imported model can be fine-tuned). Integer and boolean
 * tensors (shapes, indices, pads, axes: the small "shape subgraphs" exporters emit around
 * Reshape and Pad) are IntTensors: plain numbers, never on a backend.
 */
import { Tensor } from '../../tensor/tensor.js';
import { sizeOf } from '../../tensor/shape.js';
import { OnnxError } from './errors.js';

/** An integer (or boolean) tensor; `dataType` is the ONNX TensorProto.DataType it came as. */
export class IntTensor {
  constructor(readonly shape: readonly number[], readonly data: readonly number[], readonly dataType: number) {
    const n = sizeOf(shape);
    if (n !== data.length) throw new OnnxError(`IntTensor: shape [${shape.join(',')}] needs ${n} elements, got ${data.length}`);
  }
  get size(): number { return this.data.length; }
}

export type Value = Tensor | IntTensor;

/** The same elements, in the other representation (float <-> int, truncating toward zero). */
export function toFloat(v: Value): Tensor {
  return v instanceof Tensor ? v : new Tensor(Float32Array.from(v.data), v.shape);
}

/** The elements as integers (truncated), typed INT64 unless `dataType` says otherwise. */
export function toInt(v: Value, dataType = 7): IntTensor {
  if (v instanceof IntTensor) return v;
  return new IntTensor(v.shape, Array.from(v.data, (x) => (Number.isFinite(x) ? Math.trunc(x) : 0)), dataType);
}
