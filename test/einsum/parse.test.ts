/** The notation parser: good specs give the right AST, bad ones say where and what. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertThrowsWith } from '../helpers.js';
import { parse, resolveDivisor, resolveExpr } from '../../src/einsum/parse.js';

test('CONV with bias: output, bias, product, reduction indices', () => {
  const a = parse('O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]');
  assert.equal(a.output.name, 'O');
  assert.equal(a.bias?.name, 'B');
  assert.deepEqual(a.operands.map((o) => o.name), ['I', 'F']);
  assert.deepEqual(a.outputIndices, ['n', 'm', 'p', 'q']);
  assert.deepEqual(a.reductionIndices, ['c', 'r', 's']);
  assert.equal(a.reduce, 'sum');
  assert.equal(a.divisor, null);
  assert.deepEqual(a.operands[0]!.dims.map((d) => d.text), ['n', 'c', 'U*p+r', 'U*q+s']);
  assert.deepEqual(a.symbols, ['U']);
});

test('bias may come after the product', () => {
  const a = parse('O[n,m] = I[n,c] * F[m,c] + B[m]');
  assert.equal(a.bias?.name, 'B');
  assert.deepEqual(a.operands.map((o) => o.name), ['I', 'F']);
});

test('affine expressions resolve with constants, including negatives and literals', () => {
  const a = parse('O[n,c,p,q] = I[n,c,U*p+DH*r-PH,2*q-s+3] / (R*S)');
  const e = resolveExpr(a.operands[0]!.dims[2]!, { U: 2, DH: 3, PH: 1 }, 'I');
  assert.equal(e.constant, -1);
  assert.deepEqual([...e.coefs], [['p', 2], ['r', 3]]);
  const f = resolveExpr(a.operands[0]!.dims[3]!, {}, 'I');
  assert.equal(f.constant, 3);
  assert.deepEqual([...f.coefs], [['q', 2], ['s', -1]]);
  assert.equal(resolveDivisor(a.divisor!, {}, { r: 3, s: 2 }), 6);
  assert.equal(resolveDivisor(a.divisor!, { R: 5 }, { r: 3, s: 2 }), 10);
  const g = parse('O[i] = A[(U+1)*i-(PH-2)]');
  const r = resolveExpr(g.operands[0]!.dims[0]!, { U: 2, PH: 5 }, 'A');
  assert.equal(r.constant, -3);
  assert.deepEqual([...r.coefs], [['i', 3]]);
});

test('max over, divisor by a literal, indexed outputs, scalar outputs', () => {
  const m = parse('O[n,c,p,q] = max over r,s of I[n,c,U*p+r,U*q+s]');
  assert.equal(m.reduce, 'max');
  assert.deepEqual(m.reductionIndices, ['r', 's']);
  assert.equal(parse('O[i] = A[i] / 4').divisor?.text, '4');
  const z = parse('O[n,c,U*h,U*w] = I[n,c,h,w]');
  assert.deepEqual(z.outputIndices, ['n', 'c', 'h', 'w']);
  assert.deepEqual(parse('O[] = A[i] * B[i]').reductionIndices, ['i']);
});

test('parse errors give the column and what was expected', () => {
  assertThrowsWith(() => parse('O[n,m = I[n,c] * F[m,c]'), "expected ']' but found '='", 'column 7', '"O[n,m = I');
  assertThrowsWith(() => parse('O[n,m] I[n,c]'), "expected '='", 'column 8');
  assertThrowsWith(() => parse('O[n] = I[n*c]'), 'not affine', "'n' and 'c'");
  assertThrowsWith(() => parse('O[n] = I[n] $'), "unexpected character '$'", 'column 13');
  assertThrowsWith(() => parse('O[n] = I[n] * '), 'expected a tensor name', 'end of input');
  assertThrowsWith(() => parse('O[n] = I[n] / n'), "divisor 'n' uses index 'n'");
  assertThrowsWith(() => parse('O[n] = I[n/2]'), "expected ']' but found '/'");
  assertThrowsWith(() => parse('O[n] = A[n] + B[n,c] * C[c]+ D[n]'), 'at most two added terms');
  assertThrowsWith(() => parse('O[n] = A[n,c] + B[c]'), 'must be a bias');
  assertThrowsWith(() => parse('O[n] = A[n,c] * A[n,c]'), "tensor 'A' appears twice");
  assertThrowsWith(() => parse('O[n,c] = max over c of I[n,c,r]'), "index 'c' is an output index");
  assertThrowsWith(() => parse('O[n] = max over r of I[n,r,s]'), "index 's' is reduced but not listed");
  assertThrowsWith(() => parse('O[n] = I[1.5*n]'), 'non-integer');
  assertThrowsWith(() => parse('O[n] = I[U*n]', { V: 2 }), "unknown constant 'U'", 'of I', 'given: V');
});

test('property: a printed affine expression parses back to its coefficients', () => {
  const idx = ['p', 'q', 'r', 's'];
  fc.assert(fc.property(
    fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: -9, max: 9 }), fc.integer({ min: 1, max: 4 }),
    (ks, k0, U) => {
      // Print as a sum of `k*U*idx` / `idx` terms and a trailing constant, with explicit signs.
      let text = '';
      ks.forEach((k, i) => {
        if (k === 0) return;
        const body = Math.abs(k) === 1 ? `U*${idx[i]}` : `${Math.abs(k)}*U*${idx[i]}`;
        text += k < 0 ? `-${body}` : text === '' ? body : `+${body}`;
      });
      text += k0 < 0 ? `${k0}` : `+${k0}`;
      if (text.startsWith('+')) text = text.slice(1);
      const a = parse(`O[p,q] = I[${text}] * F[r,s]`);
      const e = resolveExpr(a.operands[0]!.dims[0]!, { U }, 'I');
      assert.equal(e.constant, k0);
      idx.forEach((i, n) => assert.equal(e.coefs.get(i) ?? 0, ks[n]! * U, `coefficient of ${i} in ${text}`));
    }), { numRuns: 100 });
});
