/**
 * IDX files (the MNIST / Fashion-MNIST container): a 4-byte magic `0 0 dtype ndim`, then
 * `ndim` big-endian uint32 dimensions, then the elements, row-major, big-endian.
 * Files may be gzip-compressed (detected by the gzip magic bytes, not by the name).
 *
 * Everything read from the file is checked before it is trusted: a corrupt, truncated or
 * oversized file is an error that names the file and what is wrong with it.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';

/** IDX element types by their dtype byte. */
export const IDX_DTYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

export type IdxDtypeCode = keyof typeof IDX_DTYPES;
export type IdxDtype = (typeof IDX_DTYPES)[IdxDtypeCode]['name'];

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  /** Uint8Array for uint8 (no copy of the payload beyond the decompression), else the matching typed array. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** The largest payload we agree to allocate (1 GiB): bigger declared sizes mean a corrupt header. */
export const IDX_MAX_BYTES = 1 << 30;

/** Decompressed sizes above this are refused while inflating (protects against gzip bombs). */
const MAX_INFLATED = IDX_MAX_BYTES + 4 + 4 * 255;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parse IDX bytes (plain or gzip). `name` is used in error messages (usually the path).
 * @example const { shape, data } = parseIdx(readFileSync('t10k-labels-idx1-ubyte.gz'), 'labels');
 */
export function parseIdx(input: Uint8Array, name = 'IDX data'): IdxArray {
  let bytes = input;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`${name}: gzip data is corrupt or truncated (${why})`);
    }
  }
  if (bytes.length < 4) {
    throw new Error(`${name}: file is ${bytes.length} bytes, too short for an IDX header (4-byte magic number)`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${name}: not an IDX file: magic number ${hex} should start with 00 00`);
  }
  const code = bytes[2]! as IdxDtypeCode;
  const dtype = IDX_DTYPES[code];
  if (!dtype) {
    throw new Error(`${name}: unknown IDX dtype byte 0x${bytes[2]!.toString(16).padStart(2, '0')} (expected one of ${Object.keys(IDX_DTYPES).map((k) => '0x' + Number(k).toString(16).padStart(2, '0')).join(', ')})`);
  }
  const ndim = bytes[3]!;
  if (ndim < 1) throw new Error(`${name}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new Error(`${name}: truncated header: ${ndim} dimensions need ${headerBytes} header bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const payload = count * dtype.bytes;
  if (payload > IDX_MAX_BYTES) {
    throw new Error(`${name}: header declares shape [${shape.join(', ')}] of ${dtype.name} = ${payload} bytes, more than the ${IDX_MAX_BYTES}-byte limit (corrupt header?)`);
  }
  const actual = bytes.length - headerBytes;
  if (actual < payload) {
    throw new Error(`${name}: truncated: shape [${shape.join(', ')}] of ${dtype.name} needs ${payload} data bytes, file has ${actual}`);
  }
  if (actual > payload) {
    throw new Error(`${name}: ${actual - payload} unexpected trailing bytes after the ${payload} data bytes of shape [${shape.join(', ')}] (wrong header?)`);
  }
  const body = bytes.subarray(headerBytes);
  return { dtype: dtype.name, shape, data: decodeBody(body, dtype.name, count, view, headerBytes) };
}

function decodeBody(body: Uint8Array, dtype: IdxDtype, count: number, view: DataView, offset: number): IdxArray['data'] {
  switch (dtype) {
    case 'uint8': return body;
    case 'int8': return new Int8Array(body.buffer, body.byteOffset, count);
    default: {
      // Multi-byte IDX elements are big-endian; read them one by one through the DataView.
      const make = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype];
      const out = new make(count);
      const step = out.BYTES_PER_ELEMENT;
      for (let i = 0; i < count; i++) {
        const at = offset + i * step;
        out[i] = dtype === 'int16' ? view.getInt16(at, false)
          : dtype === 'int32' ? view.getInt32(at, false)
          : dtype === 'float32' ? view.getFloat32(at, false)
          : view.getFloat64(at, false);
      }
      return out;
    }
  }
}

/** Read an IDX file (plain or .gz); errors name the path. */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read IDX file (${code ?? (e instanceof Error ? e.message : String(e))})`);
  }
  return parseIdx(bytes, path);
}

/**
 * Encode an array as IDX bytes (big-endian), optionally gzip-compressed.
 * @example writeFileSync('labels.idx1.gz', encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 2, 3) }, { gzip: true }))
 */
export function encodeIdx(array: IdxArray, { gzip = false } = {}): Uint8Array {
  const entry = Object.entries(IDX_DTYPES).find(([, d]) => d.name === array.dtype);
  if (!entry) throw new Error(`encodeIdx: unknown dtype '${array.dtype}'`);
  const code = Number(entry[0]);
  const { bytes: size } = entry[1];
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new Error(`encodeIdx: data has ${array.data.length} elements but shape [${array.shape.join(', ')}] needs ${count}`);
  }
  if (array.shape.length < 1 || array.shape.length > 255) {
    throw new Error(`encodeIdx: IDX supports 1 to 255 dimensions, got ${array.shape.length}`);
  }
  const header = 4 + 4 * array.shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.shape.length;
  array.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const at = header + i * size;
    const v = array.data[i]!;
    switch (array.dtype) {
      case 'uint8': out[at] = v; break;
      case 'int8': view.setInt8(at, v); break;
      case 'int16': view.setInt16(at, v, false); break;
      case 'int32': view.setInt32(at, v, false); break;
      case 'float32': view.setFloat32(at, v, false); break;
      case 'float64': view.setFloat64(at, v, false); break;
    }
  }
  return gzip ? gzipSync(out, { level: 9 }) : out;
}

/** Write an IDX file; gzip-compressed when the path ends in .gz. */
export function writeIdx(path: string, array: IdxArray): void {
  writeFileSync(path, encodeIdx(array, { gzip: path.endsWith('.gz') }));
}

/**
 * Read an images file and a labels file that belong together, checking they agree:
 * images [N, H, W] uint8, labels [N] uint8, the same N.
 */
export function readIdxImagesAndLabels(imagesPath: string, labelsPath: string): { images: Uint8Array; labels: Uint8Array; count: number; height: number; width: number } {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new Error(`${imagesPath}: expected uint8 images of shape [N, H, W], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new Error(`${labelsPath}: expected uint8 labels of shape [N], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) {
    throw new Error(`${labelsPath}: has ${labels.shape[0]} labels but ${imagesPath} has ${n} images`);
  }
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, count: n, height: h, width: w };
}
