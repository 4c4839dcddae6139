/**
 * The parsers dnnkit exposes to untrusted input, as fuzz targets: the einsum notation, the
 * CLI's shape arguments (parseDims), IDX files, checkpoints (raw, re-sealed with a valid
 * SHA-256 so the mutation reaches the decoder, and edited at the JSON-header level), .npy files
 * and ONNX files (through the ONNX engineer's harness, test/onnx/fuzz-harness.ts).
 *
 * Each target generates cases from valid seed inputs with fast-check and runs one case; the
 * engine (fuzz-engine.ts) judges the outcome. A case may be accepted or rejected with an
 * Error whose message names the input (the file name, `einsum`, the option); anything else is
 * a finding.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse } from '../../src/einsum/parse.js';
import { compile } from '../../src/einsum/ranges.js';
import { evaluate } from '../../src/einsum/interpret.js';
import { parseDims } from '../../src/cli/errors.js';
import { encodeIdx, parseIdx } from '../../src/data/idx.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { mutate, mutationArb, tryMutant, type Mutation } from '../onnx/fuzz-harness.js';
import { repoPath } from '../helpers.js';

/** The name every file target passes as the source: a clear error must mention it. */
export const SOURCE = 'fuzz-input.bin';

export interface FuzzTarget<T = unknown> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Run one case: return normally (accepted) or throw (rejected). */
  run(input: T): void;
  /** A fragment a clear error message of this parser must contain. */
  readonly mustMention: string;
  /** A short printable form of the case, for the report and replay. */
  show(input: T): string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('base64');

// ---------------------------------------------------------------- einsum notation

const SPECS = [
  'O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]',
  'O[n,m] = B[m] + I[n,c,h,w] * F[m,c,h,w]',
  'O[n,c,p,q] = I[n,c,U*p+r,U*q+s] / (R*S)',
  'O[n,c,p,q] = max over r,s of I[n,c,U*p+r,U*q+s]',
  'O[n,c,U*h,U*w] = I[n,c,h,w]',
  'O[n,c,U*h+r,U*w+s] = I[n,c,h,w]',
  'O[n,m,p,q] = I[n,c,U*p+r-PH,U*q+s-PW] * F[m,c,r,s]',
];
const TOKENS = ['[', ']', ',', '=', '+', '-', '*', '/', '(', ')', ' ', 'max', 'over', 'of', 'n', 'm', 'c', 'p', 'q', 'r', 's', 'h', 'w',
  'U', 'R', 'S', 'PH', 'PW', 'O', 'I', 'F', 'B', '0', '1', '2', '7', '1000000', '999999999999', '1e9', '-1', '\t', '\u00e9', '\u{1d465}', '$', '_', '\u0000', 'O[', 'I[n,c,h,w]'];

type StringEdit =
  | { kind: 'insert'; at: number; token: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'replace'; at: number; token: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'swap'; a: number; b: number };

const stringEditsArb = (maxLength: number): fc.Arbitrary<StringEdit[]> => fc.array(fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), token: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
), { minLength: 1, maxLength });

export function editString(text: string, edits: readonly StringEdit[], tokens: readonly string[]): string {
  let s = text;
  for (const e of edits) {
    const n = s.length + 1;
    switch (e.kind) {
      case 'insert': { const at = e.at % n; s = s.slice(0, at) + tokens[e.token % tokens.length] + s.slice(at); break; }
      case 'delete': { const at = e.at % n; s = s.slice(0, at) + s.slice(at + e.length); break; }
      case 'replace': { const at = e.at % n; s = s.slice(0, at) + tokens[e.token % tokens.length] + s.slice(at + 1); break; }
      case 'duplicate': { const at = e.at % n; s = s.slice(0, at + e.length) + s.slice(at, at + e.length) + s.slice(at + e.length); break; }
      case 'swap': {
        if (s.length < 2) break;
        const a = e.a % s.length, b = e.b % s.length;
        const c = [...s]; const t = c[a]!; c[a] = c[b]!; c[b] = t; s = c.join('');
        break;
      }
    }
  }
  return s;
}

const EINSUM_SHAPES: Record<string, number[]> = { I: [1, 2, 6, 6], F: [3, 2, 3, 3], B: [3] };
const EINSUM_CONSTANTS = { U: 2, PH: 1, PW: 1 };
/** Cases whose iteration space is larger are checked up to range inference only (the interpreter is legitimately slow). */
const MAX_EVAL_ITERATIONS = 1e6;

const einsumTarget: FuzzTarget<string> = {
  name: 'einsum',
  mustMention: 'einsum',
  arbitrary: fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...SPECS), stringEditsArb(2)).map(([s, e]) => editString(s, e, TOKENS)) },
    // Swapping names and numbers keeps the grammar and reaches range inference and the interpreter.
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...SPECS), fc.array(fc.tuple(fc.nat(), fc.constantFrom('n', 'm', 'c', 'p', 'q', 'r', 's', 'h', 'w', 'U', 'R', 'S', 'PH', 'I', 'F', 'B', '0', '1', '2', '3', '1000')), { minLength: 1, maxLength: 3 }))
      .map(([s, edits]) => {
        for (const [k, token] of edits) {
          const names = [...s.matchAll(/[A-Za-z0-9]+/g)];
          const m = names[k % names.length]!;
          s = s.slice(0, m.index) + token + s.slice(m.index + m[0].length);
        }
        return s;
      }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join('')) },
  ),
  run(spec) {
    const ast = parse(spec);
    const shapes: Record<string, number[]> = {};
    for (const r of [...(ast.bias ? [ast.bias] : []), ...ast.operands]) if (EINSUM_SHAPES[r.name]) shapes[r.name] = EINSUM_SHAPES[r.name]!;
    const c = compile(ast, shapes, EINSUM_CONSTANTS);
    let iterations = 1;
    for (const i of [...c.ast.outputIndices, ...c.ast.reductionIndices]) iterations *= c.extents[i]!;
    let outSize = 1;
    for (const d of c.shapes[c.ast.output.name] ?? []) outSize *= d;
    if (iterations > MAX_EVAL_ITERATIONS || outSize > MAX_EVAL_ITERATIONS) return;
    const data: Record<string, Float32Array> = {};
    for (const [k, shape] of Object.entries(shapes)) data[k] = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5);
    evaluate(c, data);
  },
  show: (s) => JSON.stringify(s),
};

// ---------------------------------------------------------------- CLI shape arguments

const dimsTarget: FuzzTarget<string> = {
  name: 'parseDims',
  mustMention: '--input',
  arbitrary: fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom('1x3x224x224', '28x28', '3,32,32', '1 x 1', '2×3'), stringEditsArb(4))
      .map(([s, e]) => editString(s, e, ['x', '\u00d7', ',', ' ', '0', '9', '-', '.', 'e', '1e309', '\u0000', '\uff19', '99999999999999999999', 'Infinity', 'NaN', '0x10', '+'])) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  ),
  run(text) {
    const dims = parseDims(text, '--input');
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 1)) throw new TypeError(`parseDims accepted ${JSON.stringify(text)} as [${dims.join(',')}]`);
  },
  show: (s) => JSON.stringify(s),
};

// ---------------------------------------------------------------- byte-level targets

function bytesTarget(name: string, seeds: Uint8Array[], run: (b: Uint8Array) => void, post?: (b: Uint8Array) => Uint8Array): FuzzTarget<Uint8Array> {
  return {
    name,
    mustMention: SOURCE,
    arbitrary: fc.tuple(fc.nat({ max: seeds.length - 1 }), mutationArb).map(([i, ms]: [number, Mutation[]]) => {
      const m = mutate(seeds[i]!, ms);
      return post ? post(m) : m;
    }),
    run,
    show: hex,
  };
}

function idxSeeds(): Uint8Array[] {
  const seeds = [
    encodeIdx({ dtype: 'uint8', shape: [3, 4, 4], data: Uint8Array.from({ length: 48 }, (_, i) => i) }),
    encodeIdx({ dtype: 'uint8', shape: [5], data: Uint8Array.of(1, 2, 3, 4, 9) }, { gzip: true }),
    encodeIdx({ dtype: 'int16', shape: [2, 3], data: Int16Array.of(-1, 2, -300, 4, 5, 6) }),
    encodeIdx({ dtype: 'float32', shape: [2, 2], data: Float32Array.of(0.5, -1, NaN, 3) }, { gzip: true }),
    encodeIdx({ dtype: 'float64', shape: [3], data: Float64Array.of(1, 2, 3) }),
    encodeIdx({ dtype: 'int32', shape: [1, 1, 1, 2], data: Int32Array.of(7, -7) }),
  ];
  try { seeds.push(new Uint8Array(readFileSync(repoPath('data/fashion-mnist-sample/t10k-labels-idx1-ubyte.gz')))); } catch { /* sample absent */ }
  return seeds;
}

function checkpointSeeds(): Uint8Array[] {
  const t = (shape: number[]): Tensor => new Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), shape);
  return [
    encodeCheckpoint({ format: 'dnnkit-train', model: { 'conv.weight': t([2, 1, 3, 3]), 'conv.bias': t([2]) }, epoch: 1, step: 12, lr: 0.1, done: false, rng: [1, 2, 3, 4] }),
    encodeCheckpoint({ a: [1, 2, { b: Float32Array.of(1, NaN, Infinity) }], s: 'text', n: null, inf: -Infinity }),
    encodeCheckpoint({}),
  ];
}

/** Recompute the trailing SHA-256 so a mutation reaches the decoder behind the checksum. */
export function reseal(b: Uint8Array): Uint8Array {
  if (b.length < 48) return b;
  const out = Uint8Array.from(b);
  out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
  return out;
}

/** Replace one value of the JSON header (found by walking it) with an odd one, rebuilding lengths and checksum. */
type HeaderEdit = { path: number; value: unknown };
const oddValues = fc.constantFrom<unknown>(null, -1, 0, 0.5, 1e12, 2 ** 53, -(2 ** 31), 'x', '', [], {}, [1e9, 1e9], [-1], true, { $tensor: 0 }, { $tensor: 99 }, { $tensor: -1 }, { $tensor: 0.5 }, { $number: 'NaN' }, { $number: 'zz' }, [0, 1e9]);
const headerEditArb: fc.Arbitrary<HeaderEdit[]> = fc.array(fc.record({ path: fc.nat(), value: oddValues }), { minLength: 1, maxLength: 3 });

export function editCheckpointHeader(file: Uint8Array, edits: readonly HeaderEdit[]): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getUint32(12, true);
  const header = JSON.parse(Buffer.from(file.subarray(16, 16 + headerLength)).toString('utf8')) as unknown;
  const blobStart = Math.ceil((16 + headerLength) / 4) * 4;
  const blobs = file.subarray(blobStart, file.length - 32);
  let root: unknown = header;
  for (const e of edits) {
    // Collect every (parent, key) slot, then overwrite the chosen one.
    const slots: Array<[Record<string, unknown> | unknown[] | null, string | number]> = [[null, 0]];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach((x, i) => { slots.push([v, i]); walk(x); });
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { slots.push([v as Record<string, unknown>, k]); walk(x); }
    };
    walk(root);
    const [parent, key] = slots[e.path % slots.length]!;
    const value = structuredClone(e.value);
    if (parent === null) root = value;
    else (parent as Record<string | number, unknown>)[key] = value;
  }
  const text = Buffer.from(JSON.stringify(root) ?? 'null', 'utf8');
  const start = Math.ceil((16 + text.length) / 4) * 4;
  const out = new Uint8Array(start + blobs.length + 32);
  out.set(file.subarray(0, 12));
  new DataView(out.buffer).setUint32(12, text.length, true);
  out.set(text, 16);
  out.set(blobs, start);
  return reseal(out);
}

function npySeeds(): Uint8Array[] {
  const header = (descr: string, shape: string, payload: number, major = 1): Uint8Array => {
    const text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`.padEnd(54, ' ') + '\n';
    const pre = major === 1 ? 10 : 12;
    const out = new Uint8Array(pre + text.length + payload);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
    const v = new DataView(out.buffer);
    if (major === 1) v.setUint16(8, text.length, true); else v.setUint32(8, text.length, true);
    for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
    for (let i = 0; i < payload; i++) out[pre + text.length + i] = (i * 37) & 255;
    return out;
  };
  return [
    encodeNpy(new Tensor(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3])),
    encodeNpy(new Tensor(Float32Array.of(7), [])),
    header('<f8', '(3,)', 24), header('>i4', '(2, 2)', 16), header('|u1', '(4, 1)', 4), header('<i8', '(2,)', 16, 2), header('|b1', '(0,)', 0, 3),
  ];
}

const NPY_DESCRS = ['<f4', '<f0', '<f2', '<f16', '<i8', '>u8', '|b1', '<c8', '<U3', '|O', '<f4 ', "<f4', 'x"];
const NPY_SHAPES = ['()', '(0,)', '(3,)', '(1000000000000,)', '(4294967296, 4294967296)', '(-1,)', '(1e3,)', '(0, 1000000000000)', '(9007199254740993,)', '(2,,3)', '(0x10,)', '(3,)('];
/** Headers built from odd parts: declared sizes far beyond the data, zero-sized dtypes, bad shapes. */
const npyHeaderArb: fc.Arbitrary<Uint8Array> = fc.record({
  descr: fc.constantFrom(...NPY_DESCRS), shape: fc.constantFrom(...NPY_SHAPES), fortran: fc.constantFrom('False', 'True', 'false'),
  major: fc.constantFrom(1, 2, 3, 4), payload: fc.integer({ min: 0, max: 64 }),
}).map(({ descr, shape, fortran, major, payload }) => {
  const text = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
  const pre = major === 1 ? 10 : 12;
  const out = new Uint8Array(pre + text.length + payload);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, text.length, true); else v.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i) & 255;
  return out;
});

/** Every target, by name. `onnx` needs the committed fixture model. */
export function fuzzTargets(): FuzzTarget[] {
  const ckpt = checkpointSeeds();
  const idx = idxSeeds();
  const npy = npySeeds();
  const decodeCk = (b: Uint8Array): void => { decodeCheckpoint(b, SOURCE); };
  // Each target is typed by its own input; the engine handles them as FuzzTarget<unknown>.
  const erase = <T>(t: FuzzTarget<T>): FuzzTarget => t as unknown as FuzzTarget;
  return [
    einsumTarget, dimsTarget,
    bytesTarget('idx', idx, (b) => { parseIdx(b, SOURCE); }),
    bytesTarget('checkpoint', ckpt, decodeCk),
    bytesTarget('checkpoint-resealed', ckpt, decodeCk, reseal),
    {
      name: 'checkpoint-header', mustMention: SOURCE, show: hex, run: decodeCk,
      arbitrary: fc.tuple(fc.nat({ max: ckpt.length - 1 }), headerEditArb).map(([i, e]) => editCheckpointHeader(ckpt[i]!, e)),
    } satisfies FuzzTarget<Uint8Array>,
    {
      name: 'npy', mustMention: SOURCE, show: hex, run: (b: Uint8Array) => { decodeNpy(b, SOURCE); },
      arbitrary: fc.oneof(
        fc.tuple(fc.nat({ max: npy.length - 1 }), mutationArb).map(([i, ms]) => mutate(npy[i]!, ms)),
        npyHeaderArb,
      ),
    } satisfies FuzzTarget<Uint8Array>,
  ].map((t) => erase(t as FuzzTarget<never>));
}

/** The ONNX loader as a target (its own CI fuzz lives in test/onnx/fuzz.test.ts; scripts/fuzz.ts adds it to the long run). */
export function onnxTarget(): FuzzTarget<Uint8Array> {
  const dir = 'test/fixtures/onnx';
  const bytes = new Uint8Array(readFileSync(repoPath(dir, 'tiny_cnn_opset11.onnx')));
  const input = decodeNpy(readFileSync(repoPath(dir, 'tiny_cnn_opset11.input.npy')));
  return {
    name: 'onnx', mustMention: 'mutant.onnx', show: hex,
    arbitrary: mutationArb.map((ms) => mutate(bytes, ms)),
    run: (b) => {
      // tryMutant returns OnnxErrors as outcomes (and rethrows anything else); count them as rejections.
      const outcome = tryMutant(b, input);
      if (outcome.error !== undefined) throw new Error(outcome.error);
    },
  };
}
