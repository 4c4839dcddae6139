/**
 * Backend.contract for the wasm backend: recognise the einsum kinds with fast kernels and run
 * them; everything else goes to the reference interpreter (the specification), logged once per
 * kind/target when DNNKIT_DEBUG is set so a missing fast path is visible, never an error.
 *
 * Each kind's meaning is the einsum in src/einsum/types.ts; the mapping below is:
 *   conv2d           O: conv forward       I: data gradient   F: filter gradient   B: sum of dO
 *   convTranspose2d  the same kernels with I and O swapped: its forward is a conv data gradient
 *   linear           O = I F^T + B         I: dO F            F: dO^T I            B: sum of dO
 *   matmul           O = A B               A: dO B^T          B: A^T dO
 *   avgPool2d, nearestUpsample, zeroInsert: direct JavaScript loops (resample.ts)
 */
import type { BoundEinsum } from '../../einsum/types.js';
import { conv2dParamsOf, convTranspose2dParamsOf } from '../../einsum/layers.js';
import { referenceContract } from '../reference/contract.js';
import { conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from './conv.js';
import { gemm } from './gemm.js';
import { avgPool2d, nearestUpsample, zeroInsert } from './resample.js';
import type { Conv2dParams } from '../../einsum/types.js';

type Operands = Readonly<Record<string, Float32Array>>;

function need(ops: Operands, name: string, e: BoundEinsum): Float32Array {
  const a = ops[name];
  if (!a) throw new Error(`wasm contract: operand '${name}' missing for ${e.kind} ("${e.spec}")`);
  return a;
}

function conv2d(e: BoundEinsum, target: string, ops: Operands): Float32Array | null {
  const p = conv2dParamsOf(e);
  switch (target) {
    case 'O': return conv2dForward(p, need(ops, 'I', e), need(ops, 'F', e), ops['B'] ?? null);
    case 'I': return conv2dBackwardInput(p, need(ops, 'dO', e), need(ops, 'F', e));
    case 'F': return conv2dBackwardFilter(p, need(ops, 'I', e), need(ops, 'dO', e));
    case 'B': return conv2dBackwardBias(p.N, p.M, p.P * p.Q, need(ops, 'dO', e));
    default: return null;
  }
}

function convTranspose2d(e: BoundEinsum, target: string, ops: Operands): Float32Array | null {
  const t = convTranspose2dParamsOf(e);
  // The convolution whose data gradient this is: its input is our output and vice versa.
  const p: Conv2dParams = {
    N: t.N, C: t.M, H: t.P, W: t.Q, M: t.C, R: t.R, S: t.S, P: t.H, Q: t.W,
    strideH: t.strideH, strideW: t.strideW, padTop: t.padTop, padLeft: t.padLeft,
    dilationH: t.dilationH, dilationW: t.dilationW, groups: t.groups,
  };
  switch (target) {
    case 'O': {
      const y = conv2dBackwardInput(p, need(ops, 'I', e), need(ops, 'F', e));
      const b = ops['B'];
      if (b) {
        const plane = t.P * t.Q;
        for (let i = 0, n = y.length; i < n; i++) y[i]! += b[Math.floor(i / plane) % t.M]!;
      }
      return y;
    }
    case 'I': return conv2dForward(p, need(ops, 'dO', e), need(ops, 'F', e), null);
    case 'F': return conv2dBackwardFilter(p, need(ops, 'dO', e), need(ops, 'I', e));
    case 'B': return conv2dBackwardBias(t.N, t.M, t.P * t.Q, need(ops, 'dO', e));
    default: return null;
  }
}

function linear(e: BoundEinsum, target: string, ops: Operands): Float32Array | null {
  const [N, C] = e.shapes['I']!, M = e.shapes['F']![0]!;
  switch (target) {
    case 'O': return gemm(N!, M, C!, need(ops, 'I', e), need(ops, 'F', e), { transB: true, biasCols: ops['B'] ?? null });
    case 'I': return gemm(N!, C!, M, need(ops, 'dO', e), need(ops, 'F', e));
    case 'F': return gemm(M, C!, N!, need(ops, 'dO', e), need(ops, 'I', e), { transA: true });
    case 'B': return conv2dBackwardBias(N!, M, 1, need(ops, 'dO', e));
    default: return null;
  }
}

function matmul(e: BoundEinsum, target: string, ops: Operands): Float32Array | null {
  const [batch, I, K] = e.shapes['A']!, J = e.shapes['B']![2]!;
  switch (target) {
    case 'O': return gemm(I!, J, K!, need(ops, 'A', e), need(ops, 'B', e), { batch });
    case 'A': return gemm(I!, K!, J, need(ops, 'dO', e), need(ops, 'B', e), { batch, transB: true });
    case 'B': return gemm(K!, J, I!, need(ops, 'A', e), need(ops, 'dO', e), { batch, transA: true });
    default: return null;
  }
}

const fast: Partial<Record<BoundEinsum['kind'], (e: BoundEinsum, t: string, o: Operands) => Float32Array | null>> = {
  conv2d, convTranspose2d, linear, matmul, avgPool2d, nearestUpsample, zeroInsert,
};

const logged = new Set<string>();

function debugEnabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return !!env?.['DNNKIT_DEBUG'];
}

/** Evaluate `e` (or its gradient w.r.t. `target`) with a wasm kernel, or the reference. */
export function wasmContract(e: BoundEinsum, target: string, operands: Operands): Float32Array {
  const kernel = fast[e.kind];
  let out: Float32Array | null = null;
  try {
    out = kernel ? kernel(e, target, operands) : null;
  } catch (err) {
    // Only running out of wasm memory (a 32-bit heap caps at 2 GiB) falls back; anything else
    // is a bug to surface.
    if (!(err instanceof Error) || !err.message.includes('cannot grow memory')) throw err;
    console.warn(`dnnkit: ${err.message}; running ${e.kind} on the reference backend`);
  }
  if (out) return out;
  const key = `${e.kind}:${target}`;
  if (!logged.has(key) && debugEnabled()) {
    logged.add(key);
    console.error(`dnnkit: wasm backend has no kernel for ${e.kind} target '${target}' ("${e.spec}"); using reference`);
  }
  return referenceContract(e, target, operands);
}
