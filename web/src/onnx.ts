/**
 * Opening an ONNX file in the network explorer: dnnkit's ONNX import builds the model from the
 * file's bytes (nothing leaves the page) and summary() describes it like a zoo model.
 */
import { loadOnnxBytes } from '../../src/io/onnx/load.js';
import { summary, type Summary } from '../../src/analysis/summary.js';

/** The input shape to summarise on: the graph's declared first input, symbolic dims as 1. */
export function declaredInputShape(dims: ReadonlyArray<number | string> | null, file: string): number[] {
  if (!dims || dims.length !== 4) {
    throw new Error(`${file}: the first graph input should be an image batch [N, C, H, W], got ${dims ? `[${dims.join(', ')}]` : 'no shape'}`);
  }
  // A symbolic or zero dimension (usually the batch) is taken as 1.
  return dims.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
}

export const onnxSupport = {
  available: true,
  reason: '',
  /**
   * Import an ONNX model's bytes and summarise it.
   * @example show(await onnxSupport.summarize(bytes, 'resnet18.onnx'))
   */
  async summarize(bytes: Uint8Array, file: string): Promise<Summary> {
    const model = loadOnnxBytes(bytes, { source: file });
    const input = model.inputInfo[0];
    const shape = declaredInputShape(input?.shape ?? null, file);
    return summary(model, shape, { name: file });
  },
};
