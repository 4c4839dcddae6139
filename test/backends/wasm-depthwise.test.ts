/**
 * The depthwise kernels (assembly/depthwise.ts, dwconv3x3.ts) against the reference backend's
 * einsum interpreter: forward and the gradients of input, filter and bias, through the wasm
 * backend's contract dispatch. The 3x3 micro-kernels vectorise 4 outputs and pair output rows,
 * so widths sweep below, at, above and multiples of 4 and 8, heights cover 1 and odd/even row
 * counts, with padding 0/1/2, strides 1 and 2 (each alone and both), channel multiplier 1 and 2,
 * dilation 2 and 5x5 (the generic paths), on 1 and 2 threads with every split exercised.
 */
import { describe, it } from 'node:test';
import { assertClose } from '../helpers.js';
import { conv2dEinsum, convOutputSize } from '../../src/einsum/layers.js';
import type { BoundEinsum, Conv2dParams } from '../../src/einsum/types.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { wasm } from '../../src/backends/wasm/index.js';
import { setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { randomArray } from './wasm-naive.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

interface Shape { N: number; C: number; H: number; W: number; mult?: number; R?: number; U?: number; V?: number;
  pad?: number; padW?: number; D?: number;
  /** Extra padding after (bottom/right) beyond `pad`; negative crops the output (P, Q are free). */
  padEnd?: number }

function params(s: Shape): Conv2dParams | null {
  const R = s.R ?? 3, U = s.U ?? 1, V = s.V ?? U, PH = s.pad ?? 1, PW = s.padW ?? PH, D = s.D ?? 1;
  const P = convOutputSize(s.H, R, U, PH, PH + (s.padEnd ?? 0), D), Q = convOutputSize(s.W, R, V, PW, PW + (s.padEnd ?? 0), D);
  if (P < 1 || Q < 1) return null;
  return { N: s.N, C: s.C, H: s.H, W: s.W, M: s.C * (s.mult ?? 1), R, S: R, P, Q, strideH: U, strideW: V,
    padTop: PH, padLeft: PW, dilationH: D, dilationW: D, groups: s.C };
}

/** Forward and every operand gradient of `e`, wasm vs reference. */
function check(e: BoundEinsum, label: string, seed: number): void {
  const out = e.spec.slice(0, e.spec.indexOf('[')).trim();
  const ops: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(e.shapes)) {
    if (name !== out) ops[name] = randomArray(size(shape), seed++);
  }
  const withGrad = { ...ops, ['d' + out]: randomArray(size(e.shapes[out]!), seed++) };
  assertClose(wasm.contract(e, out, ops), referenceContract(e, out, ops), `${label} forward`, 1e-4, 1e-5);
  for (const name of Object.keys(ops)) {
    assertClose(wasm.contract(e, name, withGrad), referenceContract(e, name, withGrad), `${label} d${name}`, 1e-4, 1e-5);
  }
}

/** The shapes: a width sweep, a height sweep, then the stride/padding/multiplier variants. */
function shapes(): Shape[] {
  const out: Shape[] = [];
  const widths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 20];
  for (const W of widths) for (const H of [1, 4, 5]) out.push({ N: 1, C: 2, H, W });
  for (const H of [2, 3, 6, 7, 8, 9]) out.push({ N: 2, C: 3, H, W: 10 });
  for (const U of [1, 2]) for (const pad of [0, 1, 2]) for (const mult of [1, 2]) {
    for (const [H, W] of [[1, 7], [5, 4], [6, 9], [9, 16], [7, 19]] as const) out.push({ N: 2, C: 3, H, W, U, pad, mult });
  }
  out.push({ N: 1, C: 2, H: 9, W: 13, U: 1, V: 2 }, { N: 1, C: 2, H: 9, W: 13, U: 2, V: 1 });
  out.push({ N: 1, C: 2, H: 8, W: 11, pad: 1, padW: 0 }, { N: 1, C: 2, H: 8, W: 11, pad: 0, padW: 2, U: 2 });
  out.push({ N: 2, C: 3, H: 9, W: 10, D: 2, pad: 2 }, { N: 1, C: 2, H: 8, W: 9, R: 5, pad: 2, mult: 2 });
  out.push({ N: 1, C: 4, H: 56, W: 56 }, { N: 3, C: 5, H: 14, W: 14, U: 2 });
  for (const padEnd of [-2, -1, 1, 2]) for (const U of [1, 2]) out.push({ N: 2, C: 3, H: 9, W: 11, U, padEnd });
  // A crop wider than the padded rows' 8 floats of slack.
  for (const U of [1, 2]) out.push({ N: 2, C: 3, H: 20, W: 21, U, padEnd: -11 });
  return out;
}

/** Forward and both gradients through the contract dispatch, on `threads` threads. */
function runAll(e: BoundEinsum, threads: number): Float32Array[] {
  setThreads(threads);
  if (threads > 1) waitForThreads();
  const ops = { I: randomArray(size(e.shapes['I']!), 1), F: randomArray(size(e.shapes['F']!), 2),
    dO: randomArray(size(e.shapes['O']!), 3) };
  return [wasm.contract(e, 'O', ops), wasm.contract(e, 'I', ops), wasm.contract(e, 'F', ops)];
}

describe('wasm depthwise conv vs the reference backend', () => {
  // Tiny shapes too run split across threads here, so every split path is tested.
  setMinParallelFlops(0);
  for (const threads of [1, 2]) {
    it(`3x3 micro-kernel tails, strides, padding, multipliers; generic paths (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      setThreads(threads);
      if (threads > 1) waitForThreads();
      let seed = 1;
      for (const s of shapes()) {
        const p = params(s);
        if (!p) continue;
        for (const bias of [true, false]) check(conv2dEinsum(p, bias), JSON.stringify(s) + (bias ? ' +bias' : ''), seed += 7);
      }
    });
  }

  it('gives the same results on 1 and 2 threads (bit for bit), also for the filter gradient over images', () => {
    for (const s of [{ N: 3, C: 5, H: 13, W: 18 }, { N: 3, C: 5, H: 13, W: 18, U: 2 }, { N: 2, C: 3, H: 9, W: 9, mult: 2 }]) {
      const e = conv2dEinsum(params(s)!);
      const one = runAll(e, 1), two = runAll(e, 2);
      one.forEach((a, i) => assertClose(two[i]!, a, `${JSON.stringify(s)} threads 1 vs 2, output ${i}`, 0, 0));
    }
  });
});
