/**
 * The wasm backend's `contract` against the reference interpreter (the specification) for
 * every kind it accelerates and every target: forward and each operand's gradient.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../helpers.js';
import { conv2dEinsum, convTranspose2dEinsum, convOutputSize, convTransposeOutputSize, linearEinsum, matmulEinsum,
  avgPool2dEinsum, nearestUpsampleEinsum, zeroInsertEinsum, maxPool2dEinsum } from '../../src/einsum/layers.js';
import type { BoundEinsum } from '../../src/einsum/types.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { wasm } from '../../src/backends/wasm/index.js';
import { setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { listBackends, getBackend } from '../../src/backends/registry.js';
import { randomArray } from './wasm-naive.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Compare forward and every operand gradient of `e` between wasm and reference. */
function checkAllTargets(e: BoundEinsum, label: string): void {
  const out = e.spec.slice(0, e.spec.indexOf('[')).trim();
  const ops: Record<string, Float32Array> = {};
  let seed = 11;
  for (const [name, shape] of Object.entries(e.shapes)) {
    if (name !== out) ops[name] = randomArray(size(shape), seed++);
  }
  const withGrad = { ...ops, ['d' + out]: randomArray(size(e.shapes[out]!), seed++) };
  assertClose(wasm.contract(e, out, ops), referenceContract(e, out, ops), `${label} forward`, 1e-4, 1e-4);
  for (const name of Object.keys(ops)) {
    assertClose(wasm.contract(e, name, withGrad), referenceContract(e, name, withGrad), `${label} d${name}`, 1e-4, 1e-4);
  }
}

function conv(N: number, C: number, H: number, W: number, M: number, R: number, S: number,
              o: { U?: number; V?: number; PH?: number; PW?: number; DH?: number; DW?: number; G?: number } = {}) {
  const U = o.U ?? 1, V = o.V ?? 1, PH = o.PH ?? 0, PW = o.PW ?? 0, DH = o.DH ?? 1, DW = o.DW ?? 1;
  return { N, C, H, W, M, R, S, P: convOutputSize(H, R, U, PH, PH, DH), Q: convOutputSize(W, S, V, PW, PW, DW),
    strideH: U, strideW: V, padTop: PH, padLeft: PW, dilationH: DH, dilationW: DW, groups: o.G ?? 1 };
}

describe('wasm backend contract vs the reference interpreter', () => {
  // Tiny shapes too run split across threads here, so every split path is tested.
  setMinParallelFlops(0);
  for (const threads of [1, 2]) {
    it(`conv2d: dense, strided, dilated, grouped, depthwise, with and without bias (${threads} threads)`, () => {
      setThreads(threads);
      waitForThreads();
      checkAllTargets(conv2dEinsum(conv(2, 3, 8, 7, 5, 3, 3, { PH: 1, PW: 1 }), true), 'conv 3x3');
      checkAllTargets(conv2dEinsum(conv(2, 4, 9, 9, 6, 3, 2, { U: 2, V: 3, PH: 2, PW: 1, DH: 2 }), true), 'conv strided dilated');
      checkAllTargets(conv2dEinsum(conv(1, 6, 6, 6, 4, 3, 3, { PH: 1, PW: 1, G: 2 }), false), 'conv groups 2');
      checkAllTargets(conv2dEinsum(conv(2, 4, 7, 9, 8, 3, 3, { PH: 1, PW: 1, G: 4 }), true), 'conv depthwise x2');
      checkAllTargets(conv2dEinsum(conv(3, 5, 4, 4, 7, 1, 1), true), 'conv 1x1');
    });

    it(`convTranspose2d: stride, padding, output padding, groups, depthwise (${threads} threads)`, () => {
      setThreads(threads);
      for (const [C, M, H, R, U, pad, op, G, D] of [[4, 3, 4, 3, 2, 1, 1, 1, 1], [4, 6, 5, 3, 1, 0, 0, 2, 1], [2, 2, 3, 2, 3, 0, 2, 1, 2],
        [4, 4, 5, 3, 1, 1, 0, 4, 1], [8, 4, 4, 3, 2, 1, 1, 4, 1], [4, 8, 4, 3, 1, 1, 0, 4, 1]] as const) {
        const P = convTransposeOutputSize(H, R, U, pad, pad, op, D);
        const e = convTranspose2dEinsum({ N: 2, C, H, W: H, M, R, S: R, P, Q: P, strideH: U, strideW: U,
          padTop: pad, padLeft: pad, dilationH: D, dilationW: D, groups: G }, true);
        checkAllTargets(e, `convTranspose C${C} M${M} U${U} pad${pad} op${op} G${G} D${D}`);
      }
    });

    it(`linear and matmul (${threads} threads)`, () => {
      setThreads(threads);
      checkAllTargets(linearEinsum({ N: 5, C: 13, M: 9 }, true), 'linear');
      checkAllTargets(linearEinsum({ N: 64, C: 100, M: 10 }, false), 'linear no bias');
      checkAllTargets(matmulEinsum({ batch: 3, I: 7, K: 5, J: 9 }), 'matmul');
    });
  }

  it('avgPool2d, nearestUpsample and zeroInsert (direct loops)', () => {
    const pool = (H: number, W: number, R: number, S: number, U: number, V: number, PH: number, PW: number) =>
      avgPool2dEinsum({ N: 2, C: 3, H, W, R, S, P: convOutputSize(H, R, U, PH), Q: convOutputSize(W, S, V, PW),
        strideH: U, strideW: V, padTop: PH, padLeft: PW, dilationH: 1, dilationW: 1 });
    checkAllTargets(pool(4, 4, 2, 2, 2, 2, 0, 0), 'avgPool 2x2');
    checkAllTargets(pool(7, 5, 2, 2, 2, 2, 0, 0), 'avgPool 2x2 odd sizes (last row and column dropped)');
    checkAllTargets(pool(28, 28, 2, 2, 2, 2, 0, 0), 'avgPool 2x2 28x28');
    checkAllTargets(pool(7, 8, 3, 2, 2, 3, 1, 1), 'avgPool 3x2 stride [2,3] pad 1');
    checkAllTargets(pool(5, 5, 3, 3, 1, 1, 1, 1), 'avgPool 3x3 stride 1 pad 1');
    checkAllTargets(nearestUpsampleEinsum({ N: 2, C: 3, H: 3, W: 4, U: 2 }), 'nearest x2');
    checkAllTargets(nearestUpsampleEinsum({ N: 1, C: 2, H: 3, W: 2, U: 3, V: 2 }), 'nearest 3x2');
    checkAllTargets(zeroInsertEinsum({ N: 2, C: 2, H: 3, W: 4, U: 2 }), 'zero insertion x2');
    checkAllTargets(zeroInsertEinsum({ N: 1, C: 2, H: 3, W: 4, U: 2, P: 5, Q: 7 }), 'zero insertion cropped');
    checkAllTargets(zeroInsertEinsum({ N: 1, C: 1, H: 3, W: 3, U: 3, P: 10, Q: 11 }), 'zero insertion padded');
  });

  it('falls back to the reference for kinds it does not accelerate', () => {
    const e = maxPool2dEinsum({ N: 1, C: 2, H: 4, W: 4, R: 2, S: 2, P: 2, Q: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 });
    const x = randomArray(32, 3);
    assertClose(wasm.contract(e, 'O', { I: x }), referenceContract(e, 'O', { I: x }), 'max pooling einsum');
  });

  it('logs a fallback once per kind and target when DNNKIT_DEBUG is set', () => {
    const e = maxPool2dEinsum({ N: 1, C: 1, H: 3, W: 3, R: 3, S: 3, P: 1, Q: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 });
    const lines: string[] = [];
    const error = console.error;
    const before = process.env['DNNKIT_DEBUG'];
    process.env['DNNKIT_DEBUG'] = '1';
    console.error = (...a: unknown[]) => { lines.push(a.join(' ')); };
    try {
      for (let i = 0; i < 3; i++) wasm.contract(e, 'O', { I: randomArray(9, i) });
    } finally {
      console.error = error;
      if (before === undefined) delete process.env['DNNKIT_DEBUG']; else process.env['DNNKIT_DEBUG'] = before;
    }
    assert.equal(lines.length, 1, `expected one notice, got ${JSON.stringify(lines)}`);
    assert.match(lines[0]!, /no kernel for generic target 'O'.*reference/);
  });

  it('is registered and is the default backend', () => {
    assert.ok(listBackends().includes('wasm'));
    assert.equal(getBackend().name, 'wasm');
  });
});
