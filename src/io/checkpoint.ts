/**
 * Checkpoints: everything needed to rebuild and continue a training run, in one file.
 *
 * Layout (all little-endian):
 *
 *     "DNNKITCK"            8 bytes  magic
 *     version               uint32   (1)
 *     header length         uint32   bytes of the JSON header
 *     header                JSON     the state tree, tensors replaced by {"$tensor": k}
 *     padding               0-3 bytes to a 4-byte boundary
 *     blobs                 float32  tensor k at header.blobs[k].offset (in floats)
 *     SHA-256               32 bytes of every byte before it
 *
 * The state is any JSON-like tree (model stateDict, optimizer and scheduler state, RNG states,
 * metrics, model config); Tensors and Float32Arrays anywhere in it become blobs and come back
 * as Tensors / Float32Arrays. Non-finite numbers survive (JSON alone would turn NaN into null).
 *
 * Writes are atomic: a temporary file in the same directory, fsync, rename, fsync of the
 * directory — a crash leaves the old checkpoint or the new one, never a torn file. Loading
 * verifies the checksum first, so a corrupted or truncated file is refused by name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';

export const CHECKPOINT_MAGIC = 'DNNKITCK';
export const CHECKPOINT_VERSION = 1;
const PREFIX = 16;   // magic + version + header length
const DIGEST = 32;
const LITTLE_ENDIAN = endianness() === 'LE';

/** What may be stored: JSON values, plus tensors and float32 arrays at any depth. */
export type CheckpointValue =
  | null | boolean | number | string | Tensor | Float32Array
  | CheckpointValue[] | { [key: string]: CheckpointValue | undefined };

interface BlobInfo { kind: 'tensor' | 'array'; shape: number[]; offset: number; length: number }

interface Header { blobs: BlobInfo[]; state: unknown }

/** Replace tensors by blob references, collecting the blobs. */
function encode(value: unknown, blobs: BlobInfo[], arrays: Float32Array[], offset: { n: number }, path: string): unknown {
  if (value instanceof Tensor || value instanceof Float32Array) {
    const data = value instanceof Tensor ? value.data : value;
    blobs.push({ kind: value instanceof Tensor ? 'tensor' : 'array', shape: value instanceof Tensor ? [...value.shape] : [data.length], offset: offset.n, length: data.length });
    arrays.push(data);
    offset.n += data.length;
    return { $tensor: blobs.length - 1 };
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((v, i) => encode(v, blobs, arrays, offset, `${path}[${i}]`) ?? null);
  if (ArrayBuffer.isView(value)) {
    throw new Error(`saveCheckpoint: ${path || 'state'} is a ${value.constructor.name}; store numbers as a Float32Array, a Tensor or a plain array`);
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new Error(`saveCheckpoint: ${path || 'state'} is a ${(value as object).constructor?.name ?? 'class instance'}; only plain objects, arrays, numbers, strings, booleans, null and tensors can be stored`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const e = encode(v, blobs, arrays, offset, path ? `${path}.${k}` : k);
      if (e !== undefined) out[k] = e;
    }
    return out;
  }
  throw new Error(`saveCheckpoint: ${path || 'state'} has unsupported type ${typeof value}`);
}

/** Deeper state trees are refused: decoding recurses, and a hostile header must not overflow the stack. */
const MAX_DEPTH = 512;

/**
 * Check the header's structure before any of it is used (the checksum only proves the file is
 * intact, not that it was written by dnnkit): found by fuzzing re-sealed mutated checkpoints,
 * which reached `header.blobs.entries()` on null, `b.shape.reduce` on a number, and shapes of
 * booleans.
 */
function checkHeader(header: unknown, file: string): asserts header is Header {
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error(`${file}: checkpoint header is not an object (got ${header === null ? 'null' : Array.isArray(header) ? 'an array' : typeof header})`);
  }
  const blobs = (header as { blobs?: unknown }).blobs;
  if (!Array.isArray(blobs)) throw new Error(`${file}: checkpoint header has no 'blobs' list (got ${blobs === null ? 'null' : typeof blobs})`);
  const count = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  for (const [k, b] of blobs.entries()) {
    const o = b as Partial<BlobInfo> | null;
    if (o === null || typeof o !== 'object' || (o.kind !== 'tensor' && o.kind !== 'array') || !Array.isArray(o.shape)
        || !o.shape.every(count) || !count(o.offset) || !count(o.length)) {
      throw new Error(`${file}: checkpoint tensor ${k} is described wrongly: ${JSON.stringify(b)?.slice(0, 200)} (expected {kind, shape: [non-negative integers], offset, length})`);
    }
  }
}

function decode(value: unknown, blobs: readonly BlobInfo[], floats: Float32Array, file: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new Error(`${file}: checkpoint state is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) return value.map((v) => decode(v, blobs, floats, file, depth + 1));
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$tensor === 'number') {
      const b = blobs[o.$tensor];
      if (!b) throw new Error(`${file}: header refers to tensor ${o.$tensor} but lists ${blobs.length}`);
      const data = floats.slice(b.offset, b.offset + b.length);
      return b.kind === 'tensor' ? new Tensor(data, b.shape) : data;
    }
    if (keys.length === 1 && typeof o.$number === 'string') return Number(o.$number);
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = decode(o[k], blobs, floats, file, depth + 1);
    return out;
  }
  return value;
}

/** The bytes of a checkpoint holding `state`. */
export function encodeCheckpoint(state: CheckpointValue): Uint8Array {
  const blobs: BlobInfo[] = [];
  const arrays: Float32Array[] = [];
  const offset = { n: 0 };
  const tree = encode(state, blobs, arrays, offset, '');
  const header = Buffer.from(JSON.stringify({ blobs, state: tree } satisfies Header), 'utf8');
  const blobStart = Math.ceil((PREFIX + header.length) / 4) * 4;
  const total = blobStart + offset.n * 4 + DIGEST;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(CHECKPOINT_MAGIC, 'latin1'), 0);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, PREFIX);
  let at = blobStart;
  for (const a of arrays) {
    if (LITTLE_ENDIAN) new Float32Array(out.buffer, at, a.length).set(a);
    else for (let i = 0; i < a.length; i++) view.setFloat32(at + 4 * i, a[i]!, true);
    at += 4 * a.length;
  }
  const digest = createHash('sha256').update(out.subarray(0, total - DIGEST)).digest();
  out.set(digest, total - DIGEST);
  return out;
}

/** Parse and verify checkpoint bytes; `file` names the source in errors. */
export function decodeCheckpoint(bytes: Uint8Array, file = 'checkpoint'): unknown {
  if (bytes.length < PREFIX + DIGEST) {
    throw new Error(`${file}: not a dnnkit checkpoint: ${bytes.length} bytes is shorter than the smallest checkpoint (truncated?)`);
  }
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (magic !== CHECKPOINT_MAGIC) {
    throw new Error(`${file}: not a dnnkit checkpoint (starts with ${JSON.stringify(magic)}, expected ${JSON.stringify(CHECKPOINT_MAGIC)})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) {
    throw new Error(`${file}: checkpoint format version ${version}, this dnnkit reads version ${CHECKPOINT_VERSION}`);
  }
  const headerLength = view.getUint32(12, true);
  const stored = bytes.subarray(bytes.length - DIGEST);
  const actual = createHash('sha256').update(bytes.subarray(0, bytes.length - DIGEST)).digest();
  if (!actual.equals(stored)) {
    const hint = PREFIX + headerLength + DIGEST > bytes.length ? ' (the file is truncated)' : '';
    throw new Error(`${file}: checkpoint is corrupted: SHA-256 checksum mismatch${hint}; ${bytes.length} bytes`);
  }
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(PREFIX, PREFIX + headerLength)).toString('utf8')) as Header;
  } catch (e) {
    throw new Error(`${file}: checkpoint header is not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  checkHeader(header, file);
  const blobStart = Math.ceil((PREFIX + headerLength) / 4) * 4;
  const floatCount = (bytes.length - DIGEST - blobStart) / 4;
  if (!Number.isInteger(floatCount) || floatCount < 0) throw new Error(`${file}: checkpoint blob section has a bad length (header length ${headerLength} in a ${bytes.length}-byte file)`);
  for (const [k, b] of header.blobs.entries()) {
    const n = b.shape.reduce((x, y) => x * y, 1);
    if (b.offset + b.length > floatCount || n !== b.length) {
      throw new Error(`${file}: checkpoint tensor ${k} (shape [${b.shape.join(', ')}]) lies outside the ${floatCount} stored floats`);
    }
  }
  // Copy out of the (possibly unaligned) file buffer; the file is little-endian.
  const floats = new Float32Array(floatCount);
  if (LITTLE_ENDIAN) new Uint8Array(floats.buffer).set(bytes.subarray(blobStart, blobStart + floatCount * 4));
  else for (let i = 0; i < floatCount; i++) floats[i] = view.getFloat32(blobStart + 4 * i, true);
  return decode(header.state, header.blobs, floats, file);
}

/**
 * Write `state` to `path` atomically.
 * @example saveCheckpoint('runs/a/checkpoint.dnnkit', { model: model.stateDict(), epoch: 3 })
 */
export function saveCheckpoint(path: string, state: CheckpointValue): void {
  writeFileAtomic(path, encodeCheckpoint(state));
}

/**
 * Read and verify a checkpoint written by saveCheckpoint.
 * @example const { model, epoch } = loadCheckpoint('runs/a/checkpoint.dnnkit') as { model: Record<string, Tensor>; epoch: number };
 */
export function loadCheckpoint(path: string): unknown {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read checkpoint (${code === 'ENOENT' ? 'no such file' : code ?? String(e)})`);
  }
  return decodeCheckpoint(bytes, path);
}

/**
 * Replace `path` with `bytes` so that readers (and a crash at any moment) see either the old
 * content or the new one: temporary file in the same directory, fsync, rename, fsync dir.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd = openSync(tmp, 'w');
  try {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    let written = 0;
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // Make the rename itself durable; not every platform lets a directory be opened.
  try {
    fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* best effort */ }
}
