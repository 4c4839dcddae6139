/** The loop-nest printer and the MAC counts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertThrowsWith } from '../helpers.js';
import { countEinsum, countMacs } from '../../src/einsum/count.js';
import { avgPool2dEinsum, conv2dEinsum, displayEinsum, linearEinsum, maxPool2dEinsum, zeroInsertEinsum } from '../../src/einsum/layers.js';
import { printLoopNest } from '../../src/einsum/loopnest.js';

const CONV = 'O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]';
const alexConv1 = conv2dEinsum({ N: 1, C: 3, H: 227, W: 227, M: 96, R: 11, S: 11, P: 55, Q: 55, strideH: 4, strideW: 4,
  padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1 }, true);

test('the naive 7-layer CONV loop nest, symbolic, bias first', () => {
  assert.equal(printLoopNest(CONV), [
    '// O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]',
    '// reads of I outside its bounds are 0 (zero padding)',
    'for (let n = 0; n < N; n++)',
    '  for (let m = 0; m < M; m++)',
    '    for (let p = 0; p < P; p++)',
    '      for (let q = 0; q < Q; q++) {',
    '        O[n][m][p][q] = B[m];',
    '        for (let c = 0; c < C; c++)',
    '          for (let r = 0; r < R; r++)',
    '            for (let s = 0; s < S; s++)',
    '              O[n][m][p][q] += I[n][c][U*p+r][U*q+s] * F[m][c][r][s];',
    '      }',
  ].join('\n'));
});

test('another order puts the initialisation in a nest of its own, first', () => {
  const text = printLoopNest(CONV, { order: ['m', 'c', 'r', 's', 'n', 'p', 'q'] });
  const lines = text.split('\n');
  assert.ok(text.indexOf('O[n][m][p][q] = B[m];') < text.indexOf('for (let c = 0; c < C; c++)'));
  assert.equal(lines[lines.length - 1], '              O[n][m][p][q] += I[n][c][U*p+r][U*q+s] * F[m][c][r][s];');
  assert.equal(lines.filter((l) => l.includes('for (let m')).length, 2);
  assertThrowsWith(() => printLoopNest(CONV, { order: ['n', 'm'] }), 'printLoopNest', 'n,m,p,q,c,r,s');
});

test('numeric bounds for a bound einsum; no padding comment when reads stay inside', () => {
  const text = printLoopNest(alexConv1);
  assert.ok(text.includes('for (let m = 0; m < 96; m++)'));
  assert.ok(text.includes('for (let r = 0; r < 11; r++)'));
  assert.ok(text.includes('O[n][g][m][p][q] += I[n][g][c][4*p+r][4*q+s] * F[g][m][c][r][s];'));
  assert.ok(!text.includes('zero padding'));
  const sym = printLoopNest(alexConv1, { bounds: 'symbolic' });
  assert.ok(sym.includes('for (let m = 0; m < M; m++)') && sym.includes('[U*p+DH*r-PH]'));
});

test('pseudo-code style, pooling, max and indexed outputs', () => {
  const p = { N: 1, C: 2, H: 5, W: 5, R: 3, S: 3, P: 3, Q: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1 };
  const avg = printLoopNest(avgPool2dEinsum(p));
  assert.ok(avg.includes('O[n][c][p][q] += I[n][c][2*p+r-1][2*q+s-1] / 9;'), avg);
  assert.ok(avg.includes('zero padding'));
  const mx = printLoopNest(maxPool2dEinsum(p), { style: 'pseudo', bounds: 'symbolic' });
  assert.ok(mx.includes('for r in [0, R):'));
  assert.ok(mx.includes('O[n,c,p,q] = -inf'));
  assert.ok(mx.includes('O[n,c,p,q] = max(O[n,c,p,q], I[n,c,U*p+DH*r-PH,V*q+DW*s-PW])'));
  assert.ok(mx.includes('-infinity'));
  const z = printLoopNest(zeroInsertEinsum({ N: 1, C: 1, H: 2, W: 2, U: 2 }));
  assert.ok(z.includes('every element of O starts at 0'));
  assert.ok(printLoopNest('O[n,c,U*h,U*w] = I[n,c,h,w]').includes('writes to O outside its bounds are dropped'));
  assert.ok(z.includes('O[n][c][2*h][2*w] += I[n][c][h][w];'));
  assertThrowsWith(() => printLoopNest(CONV, { bounds: 'numeric' }), 'printLoopNest', 'bound einsum');
});

test('MACs are the iteration-space size: AlexNet conv1 is 105,415,200', () => {
  const c = countEinsum(alexConv1);
  assert.equal(c.macs, 105_415_200);
  assert.equal(c.extents['p'], 55);
  assert.deepEqual(c.elements, { I: 3 * 227 * 227, F: 96 * 3 * 11 * 11, O: 96 * 55 * 55, B: 96 });
  assert.equal(c.biasAdds, 96 * 55 * 55);
  assert.equal(countMacs(linearEinsum({ N: 1, C: 4096, M: 1000 })), 4_096_000);
  // No shortcut for padding: a padded 3x3 conv counts every window point.
  assert.equal(countMacs(conv2dEinsum({ N: 1, C: 1, H: 4, W: 4, M: 1, R: 3, S: 3, P: 4, Q: 4, strideH: 1, strideW: 1,
    padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1 })), 16 * 9);
  const mp = countEinsum(maxPool2dEinsum({ N: 1, C: 96, H: 55, W: 55, R: 3, S: 3, P: 27, Q: 27, strideH: 2, strideW: 2,
    padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 }));
  assert.equal(mp.macs, 0);
  assert.equal(mp.comparisons, 96 * 27 * 27 * 9);
});

test('the textbook loop nest of a bound layer via displayEinsum', () => {
  const d = displayEinsum(alexConv1);
  assert.equal(d.spec, 'O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]');
  assert.deepEqual(d.shapes, { O: [1, 96, 55, 55], B: [96], I: [1, 3, 227, 227], F: [96, 3, 11, 11] });
  const text = printLoopNest(d);
  assert.ok(text.includes('O[n][m][p][q] += I[n][c][4*p+r][4*q+s] * F[m][c][r][s];'), text);
  assert.equal(countMacs(d), 105_415_200);
});
