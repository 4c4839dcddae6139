/** Test helper: run ONNX bytes in ONNX Runtime (onnxruntime-web's wasm backend, in Node). */
import * as ort from 'onnxruntime-web';
import type { Tensor } from '../../src/tensor/tensor.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, { dims: readonly number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', Float32Array.from(t.data), [...t.shape]);
  const out = await session.run(inputs);
  const result: Record<string, { dims: readonly number[]; data: Float32Array }> = {};
  for (const [k, v] of Object.entries(out)) result[k] = { dims: v.dims, data: Float32Array.from(v.data as Float32Array) };
  await session.release();
  return result;
}
