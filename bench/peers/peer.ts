/**
 * What every library in the benchmark provides: a way to run one layer case (forward, data
 * gradient or filter gradient) on shared operands, and optionally a LeNet-5 training step.
 * Operands are NCHW / [M, C/groups, R, S] float32 arrays made once per case, so every library
 * computes the same numbers and the harness can check that they agree.
 */
import type { Conv2dParams } from '../../src/einsum/types.js';
import type { LayerCase } from '../cases.js';

/** fwd: forward; dI: gradient wrt the input (data); dF: gradient wrt the filters. */
export type Pass = 'fwd' | 'dI' | 'dF';

export interface Operands {
  N: number;
  /** Conv cases: shape parameters, input x [N,C,H,W], filters w [M,C/g,R,S], output gradient dy [N,M,P,Q]. */
  conv?: Conv2dParams;
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
  /** GEMM cases: a [M,K], b [K,N]. */
  a: Float32Array;
  b: Float32Array;
}

export interface Prepared {
  /** One timed call: inputs already in the library, result available to JavaScript afterwards. */
  run: () => unknown;
  /** The result of one call in dnnkit's layout (NCHW, [M,C/g,R,S]), for the agreement check. */
  output: () => Float32Array | Promise<Float32Array>;
  /** Free what the library holds (TF.js tensors, ONNX Runtime sessions). */
  dispose?: () => void | Promise<void>;
}

/** A LeNet-5 training step on a fixed batch (forward, loss, backward, SGD update). */
export interface TrainStep {
  run: () => unknown;
  /** Details worth printing (e.g. 'max pooling: ConvNetJS has no average pooling'). */
  note?: string;
  dispose?: () => void | Promise<void>;
}

export interface Peer {
  /** Stable id (JSON keys), e.g. 'dnnkit-wasm-2t', 'ort-web-2t'. */
  id: string;
  /** Column header, e.g. 'dnnkit 2t'. */
  label: string;
  /** Load the library; returns null when ready, else why it is unavailable. */
  init(): Promise<string | null>;
  /** Make this peer current (dnnkit: backend and thread count). */
  activate?(): void | Promise<void>;
  /** Why this peer skips a cell (no kernel, too slow), or null to run it. */
  skip(c: LayerCase, pass: Pass, N: number): string | null;
  prepare(c: LayerCase, pass: Pass, ops: Operands): Promise<Prepared>;
  /** Fraction of a call spent copying operands in and out of wasm memory, if it is counted. */
  copyShare?(p: Prepared): Promise<number>;
  /** LeNet-5 training step at this batch, or why it cannot train. */
  lenetTrainStep?(batch: number): Promise<TrainStep | string>;
}

/** Deterministic uniform values in [-0.5, 0.5) (a 32-bit LCG), so runs are repeatable. */
export function seededArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** NCHW -> NHWC (TF.js layout). */
export function nchwToNhwc(a: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[((n * H + h) * W + w) * C + c] = a[((n * C + c) * H + h) * W + w]!;
  }
  return out;
}

/** NHWC -> NCHW. */
export function nhwcToNchw(a: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[((n * C + c) * H + h) * W + w] = a[((n * H + h) * W + w) * C + c]!;
  }
  return out;
}
