/** Index range inference and its errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertThrowsWith } from '../helpers.js';
import { compile, inferRanges } from '../../src/einsum/ranges.js';

test('extents come from bare dimensions', () => {
  assert.deepEqual(inferRanges('O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]',
    { I: [2, 3, 9, 9], F: [4, 3, 3, 3], B: [4], O: [2, 4, 4, 4] }, { U: 2 }),
    { n: 2, m: 4, p: 4, q: 4, c: 3, r: 3, s: 3 });
});

test('an output index inside an affine input takes its extent from the output shape', () => {
  const c = compile('O[n,m,p,q] = I[n,c,U*p+r-1,U*q+s-1] * F[m,c,r,s]', { I: [1, 1, 5, 5], F: [1, 1, 3, 3], O: [1, 1, 3, 3] }, { U: 2 });
  assert.equal(c.extents['p'], 3);
});

test('without an output shape, the valid (in-bounds) output is inferred', () => {
  const c = compile('O[n,m,p,q] = I[n,c,p+r,q+s] * F[m,c,r,s]', { I: [1, 2, 6, 5], F: [3, 2, 3, 2] });
  assert.deepEqual(c.shapes['O'], [1, 3, 4, 4]);
});

test('an index only in an affine output takes the largest extent whose writes fit (nearest upsampling)', () => {
  const c = compile('O[n,c,U*h+r,U*w+s] = I[n,c,h,w]', { I: [1, 1, 2, 3], O: [1, 1, 6, 9] }, { U: 3 });
  assert.equal(c.extents['r'], 3);
  assert.equal(c.extents['s'], 3);
});

test('window extents come from uppercase constants (pooling); divisor uses them', () => {
  const c = compile('O[n,c,p,q] = I[n,c,U*p+r,U*q+s] / (R*S)', { I: [1, 1, 5, 5], O: [1, 1, 2, 2] }, { U: 2, R: 2, S: 3 });
  assert.equal(c.extents['r'], 2);
  assert.equal(c.extents['s'], 3);
  assert.equal(c.divisor, 6);
});

test('the output shape is inferred as the smallest holding every write', () => {
  const c = compile('O[n,c,U*h,U*w] = I[n,c,h,w]', { I: [1, 2, 3, 4] }, { U: 2 });
  assert.deepEqual(c.shapes['O'], [1, 2, 5, 7]);
});

test('inconsistent extents name the index, both tensors and their shapes', () => {
  assertThrowsWith(() => inferRanges('O[n,m] = I[n,c] * F[m,c]', { I: [2, 3], F: [4, 5] }),
    "index 'c'", 'extent 3 in I (shape [2,3])', '5 in F (shape [4,5])');
});

test('rank mismatch and missing operands are errors', () => {
  assertThrowsWith(() => inferRanges('O[n,m] = I[n,c] * F[m,c]', { I: [2, 3, 1], F: [4, 3] }),
    'I has 2 indices', 'shape [2,3,1] has rank 3');
  assertThrowsWith(() => inferRanges('O[n,m] = I[n,c] * F[m,c]', { I: [2, 3] }), "no shape given for operand 'F'");
  assertThrowsWith(() => inferRanges('O[n,m] = I[n,c] * F[m,c]', { I: [2, 3], F: [4, 3], O: [2] }), 'O has 2 indices');
});

test('an index whose extent cannot be inferred is named', () => {
  assertThrowsWith(() => inferRanges('O[n,c,U*h+r] = I[n,c,h]', { I: [1, 1, 2] }, { U: 2 }),
    "cannot infer the extent of index 'r'", "'U*h+r' of O", "constant 'R' or the output shape");
});

test('unknown constants in index expressions are named', () => {
  assertThrowsWith(() => inferRanges('O[p] = I[U*p+r] * F[r]', { I: [5], F: [2] }), "unknown constant 'U'", "'U*p+r' of I");
});

test('given extents win', () => {
  assert.equal(inferRanges('O[n,c,U*h+r] = I[n,c,h]', { I: [1, 1, 2] }, { U: 2 }, { extents: { r: 2 } })['r'], 2);
});
