/**
 * Layers by shape parameters: the textbook einsum counts the same MACs as the layer builder's,
 * and its loop nest, run by the interpreter in a random order, equals the fast kernel on
 * random shapes (stride with remainder, padding, dilation, groups, pooling, FC over an fmap).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerEinsum, textbookEinsum } from '../../src/analysis/layer-einsum.js';
import { checkLayer, layerFromShape, parseOrder } from '../../src/cli/commands/loopnest.js';
import { conv2dEinsum } from '../../src/einsum/layers.js';
import { countEinsum } from '../../src/einsum/count.js';
import { parse } from '../../src/einsum/parse.js';
import { Generator } from '../../src/tensor/random.js';
import { assertThrowsWith } from '../helpers.js';
import type { LayerShape } from '../../src/analysis/layer-einsum.js';

test('textbook CONV einsum: DESIGN.md\'s form, same MACs as the grouped builder form', () => {
  const p = { N: 2, C: 3, H: 9, W: 7, M: 4, R: 3, S: 2, P: 4, Q: 6, strideH: 2, strideW: 1, padTop: 0, padLeft: 0,
              dilationH: 1, dilationW: 1, groups: 1 };
  const e = conv2dEinsum(p, true);
  const t = textbookEinsum(e);
  assert.equal(t.spec, 'O[n,m,p,q] = B[m] + I[n,c,U*p+r,V*q+s] * F[m,c,r,s]');
  assert.equal(countEinsum(t).macs, countEinsum(e).macs);
  assert.equal(countEinsum(t).macs, 2 * 4 * 4 * 6 * 3 * 3 * 2);
  assert.equal(layerEinsum({ type: 'conv', C: 3, H: 227, M: 96, R: 11, U: 4 }).params.P, 55);
});

test('random layers: the loop nest in a random order equals the fast kernel', () => {
  const gen = new Generator(11);
  const pick = (lo: number, hi: number): number => lo + gen.int(hi - lo + 1);
  for (let i = 0; i < 12; i++) {
    const type = (['conv', 'conv', 'fc', 'maxpool', 'avgpool'] as const)[i % 5]!;
    const groups = type === 'conv' ? [1, 2][pick(0, 1)]! : 1;
    const R = pick(1, 3);
    const shape: LayerShape = {
      type, N: pick(1, 2), C: 2 * pick(1, 2), H: pick(R + 2, 8), W: pick(R + 2, 8), M: 2 * pick(1, 2), R, S: type === 'fc' ? undefined : pick(1, 3),
      U: pick(1, 3), pad: type === 'conv' ? pick(0, 2) : Math.floor(R / 2), groups, dilation: type === 'conv' ? pick(1, 2) : 1,
    };
    if (type === 'fc') { delete shape.R; delete shape.S; delete shape.U; delete shape.pad; }
    if (type !== 'conv') shape.S = shape.R;
    const layer = layerFromShape(shape);
    const ast = parse(layer.einsum.spec);
    const indices = [...ast.outputIndices, ...ast.reductionIndices];
    for (let k = indices.length - 1; k > 0; k--) { const j = gen.int(k + 1); [indices[k], indices[j]] = [indices[j]!, indices[k]!]; }
    const order = parseOrder(indices.join(','), layer.einsum);
    const r = checkLayer(layer, order, i);
    assert.ok(r.maxAbsDiff < 1e-4, `${JSON.stringify(shape)} order ${indices}: difference ${r.maxAbsDiff}`);
  }
});

test('layer shape errors say what does not fit', () => {
  assertThrowsWith(() => layerEinsum({ type: 'conv', C: 3, H: 4, M: 2, R: 7 }), 'does not fit a 4x4 input');
  assertThrowsWith(() => layerEinsum({ type: 'conv', C: 3, H: 8, M: 4, groups: 2 }), 'groups=2 must divide C=3 and M=4');
  assertThrowsWith(() => layerEinsum({ type: 'fc', C: 3, H: 4, M: 2, R: 3 }), 'R=H=4');
  assertThrowsWith(() => layerEinsum({ type: 'maxpool', C: 3, H: 8, R: 2, pad: 2 }), 'at most half the window');
});
