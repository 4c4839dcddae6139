/**
 * NumPy .npy files (format versions 1-3) <-> float32 tensors: the interchange format of
 * `dnnkit run` and of the PyTorch fixtures. Reads float32/float64/int and uint arrays of any
 * rank in C order (little or big endian); writes float32 little-endian, version 1.
 */
import { Tensor } from '../tensor/tensor.js';
import { MAX_ELEMENTS, sizeOf } from '../tensor/shape.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Decode .npy bytes. `source` names the file in errors.
 * @example const x = decodeNpy(readFileSync('input.npy'), 'input.npy');  // Tensor
 */
export function decodeNpy(bytes: Uint8Array, source = 'npy data'): Tensor {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new Error(`${source}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) { headerLen = view.getUint16(8, true); start = 10; }
  else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${source}: truncated .npy header`);
    headerLen = view.getUint32(8, true); start = 12;
  } else throw new Error(`${source}: unsupported .npy format version ${major}`);
  if (start + headerLen > bytes.length) throw new Error(`${source}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${source}: malformed .npy header ${JSON.stringify(header.trim())}`);
  }
  if (fortran === 'True') throw new Error(`${source}: Fortran-order arrays are not supported (save with np.ascontiguousarray)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`${source}: bad shape (${shapeText})`);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m) throw new Error(`${source}: dtype '${descr}' is not supported (float, int, uint or bool arrays)`);
  const little = m[1] !== '>';
  const kind = m[2]!, size = Number(m[3]);
  const count = sizeOf(shape);
  // Resolve the element reader and check the size before allocating anything: the fuzzer found
  // that a zero-byte dtype ('<f0') with shape (1000000000000,) passed the data-length check and
  // reached `new Float32Array(1e12)`.
  const read = reader(kind, size, descr, source);
  if (count > MAX_ELEMENTS) {
    throw new Error(`${source}: shape (${shape.join(', ')}) has ${count.toExponential(3)} elements, more than the limit of ${MAX_ELEMENTS}`);
  }
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < count * size) {
    throw new Error(`${source}: shape (${shape.join(', ')}) of ${descr} needs ${count * size} bytes of data, the file has ${bytes.length - dataStart}`);
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = read(view, dataStart + i * size, little);
  return new Tensor(out, shape);
}

function reader(kind: string, size: number, descr: string, source: string): (v: DataView, o: number, le: boolean) => number {
  const key = `${kind}${size}`;
  switch (key) {
    case 'f4': return (v, o, le) => v.getFloat32(o, le);
    case 'f8': return (v, o, le) => v.getFloat64(o, le);
    case 'i1': return (v, o) => v.getInt8(o);
    case 'u1': case 'b1': return (v, o) => v.getUint8(o);
    case 'i2': return (v, o, le) => v.getInt16(o, le);
    case 'u2': return (v, o, le) => v.getUint16(o, le);
    case 'i4': return (v, o, le) => v.getInt32(o, le);
    case 'u4': return (v, o, le) => v.getUint32(o, le);
    case 'i8': return (v, o, le) => Number(v.getBigInt64(o, le));
    case 'u8': return (v, o, le) => Number(v.getBigUint64(o, le));
    default: throw new Error(`${source}: dtype '${descr}' is not supported`);
  }
}

/**
 * Encode a tensor as .npy (float32, little-endian, C order, format 1.0).
 * @example writeFileSync('out.npy', encodeNpy(y));
 */
export function encodeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so the data starts on a 64-byte boundary, newline-terminated.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + t.size * 4);
  out.set(MAGIC, 0);
  out[6] = 1; out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, total);
  for (let i = 0; i < t.size; i++) view.setFloat32(4 * i, t.data[i]!, true);
  return out;
}
