/**
 * loadOnnx: an ONNX file (path or bytes) -> an OnnxModel in eval mode. The decoding core takes
 * bytes and runs anywhere; a string is read with node:fs in Node and fetched in the browser.
 */
import { decodeOnnx, type OnnxLimits } from './decode.js';
import { OnnxError } from './errors.js';
import { OnnxModel } from './model.js';

/**
 * Build a model from ONNX bytes (synchronous; no file system).
 * @example const model = loadOnnxBytes(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function loadOnnxBytes(bytes: Uint8Array, options: OnnxLimits & { source?: string } = {}): OnnxModel {
  const source = options.source ?? 'ONNX bytes';
  return new OnnxModel(decodeOnnx(bytes, source, options), source, { ...options, bytes });
}

async function readSource(path: string): Promise<Uint8Array> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (isNode && !/^https?:\/\//.test(path)) {
    const { readFile } = await import('node:fs/promises');
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new OnnxError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
    }
  }
  const res = await fetch(path);
  if (!res.ok) throw new OnnxError(`${path}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Load an ONNX model (a file path or URL, or the file's bytes) as a dnnkit Module in eval mode;
 * `forward(x)` runs the graph with dnnkit's ops. Layers become nn modules holding the weights.
 * @example
 *   const model = await loadOnnx('resnet18.onnx');
 *   const logits = noGrad(() => model.call(x));   // x: [1, 3, 224, 224]
 */
export async function loadOnnx(pathOrBytes: string | Uint8Array | ArrayBuffer, options: OnnxLimits = {}): Promise<OnnxModel> {
  if (typeof pathOrBytes === 'string') {
    return loadOnnxBytes(await readSource(pathOrBytes), { ...options, source: pathOrBytes });
  }
  const bytes = pathOrBytes instanceof ArrayBuffer ? new Uint8Array(pathOrBytes) : pathOrBytes;
  return loadOnnxBytes(bytes, options);
}
