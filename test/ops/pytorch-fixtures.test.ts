/**
 * Every op against PyTorch 1.13 (golden values from scripts/make-op-fixtures.py), on every
 * backend: the forward within rtol 1e-5 and every gradient of sum(out * R) within rtol 1e-4,
 * each with an absolute floor scaled by the largest expected magnitude (float32 sums of
 * mixed-sign terms cannot promise a relative error on values near zero).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as F from '../../src/ops/functional.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { AvgPool2dOptions, MaxPool2dOptions } from '../../src/ops/pool.js';
import type { UpsampleOptions } from '../../src/ops/upsample.js';
import { assertClose } from '../helpers.js';
import { forEachBackend } from '../for-each-backend.js';
import { decode, loadCases, maxAbs, type EncodedTensor, type OpCase } from './fixture-data.js';

type Inputs = Record<string, Tensor>;
type Runner = (inputs: Inputs, c: OpCase) => Tensor;

const activations: Record<string, (x: Tensor) => Tensor> = {
  relu: F.relu, sigmoid: F.sigmoid, tanh: F.tanh, relu6: F.relu6, hardswish: F.hardswish,
  hardsigmoid: F.hardsigmoid, silu: F.silu,
  leakyRelu: (x) => F.leakyRelu(x), 'leakyRelu 0.2': (x) => F.leakyRelu(x, 0.2),
  elu: (x) => F.elu(x), 'elu 0.5': (x) => F.elu(x, 0.5),
  softmax: (x) => F.softmax(x), 'softmax dim 0': (x) => F.softmax(x, 0), 'softmax large logits': (x) => F.softmax(x, -1),
  logSoftmax: (x) => F.logSoftmax(x), 'logSoftmax dim 1': (x) => F.logSoftmax(x, 1),
};

const families: Record<string, Runner> = {
  'conv2d': ({ x, w, b }, c) => F.conv2d(x!, w!, b, c.options),
  'conv-transpose2d': ({ x, w, b }, c) => F.convTranspose2d(x!, w!, b, c.options),
  'linear': ({ x, w, b }) => F.linear(x!, w!, b),
  'convolve2d': ({ x, k }, c) => F.convolve2d(x!, k!, c.options),
  'max-pool2d': ({ x }, c) => F.maxPool2d(x!, c.options as unknown as MaxPool2dOptions),
  'avg-pool2d': ({ x }, c) => F.avgPool2d(x!, c.options as unknown as AvgPool2dOptions),
  'adaptive-avg-pool2d': ({ x }, c) => F.adaptiveAvgPool2d(x!, c.options['outputSize'] as number),
  'upsample': ({ x }, c) => F.upsample(x!, c.options as unknown as UpsampleOptions),
  'batch-norm': ({ x, w, b }, c) => {
    const rm = decode(c['runningMean'] as EncodedTensor), rv = decode(c['runningVar'] as EncodedTensor);
    const y = F.batchNorm(x!, rm, rv, w, b, c.options);
    // The running statistics are updated in place (training) or left alone (eval).
    assertClose(rm.data, decode(c['runningMeanAfter'] as EncodedTensor).data, `${c.name}: runningMean after`, 1e-5, 1e-6);
    assertClose(rv.data, decode(c['runningVarAfter'] as EncodedTensor).data, `${c.name}: runningVar after`, 1e-5, 1e-6);
    return y;
  },
  'activation': ({ x }, c) => {
    const f = activations[c.name];
    assert.ok(f, `no activation named '${c.name}' in the test's table`);
    return f(x!);
  },
  'loss': ({ x, a, b }, c) => (x ? F.crossEntropy(x, decode(c['targets'] as EncodedTensor), c.options) : F.mseLoss(a!, b!, c.options as { reduction?: 'mean' })),
  'pad': ({ x }, c) => F.pad(x!, c['padding'] as number[], c.options as { value?: number }),
};

forEachBackend(() => {
  for (const [family, run] of Object.entries(families)) {
    for (const c of loadCases(family)) {
      test(`${family}: ${c.name}`, () => {
        const inputs: Inputs = {};
        for (const [k, v] of Object.entries(c.inputs)) inputs[k] = decode(v, true);
        const out = run(inputs, c);
        assert.deepEqual(out.shape, c.out.shape, `${family} ${c.name}: output shape`);
        const expected = decode(c.out).data;
        assertClose(out.data, expected, `${family} ${c.name}: output`, 1e-5, 1e-5 * maxAbs(expected) + 1e-7);
        if (!c.R || !c.grads) return;
        out.backward(decode(c.R));
        for (const [k, g] of Object.entries(c.grads)) {
          const want = decode(g).data;
          const got = inputs[k]!.grad;
          assert.ok(got, `${family} ${c.name}: no gradient reached input '${k}'`);
          assertClose(got.data, want, `${family} ${c.name}: gradient wrt ${k}`, 1e-4, 1e-4 * maxAbs(want) + 1e-6);
        }
      });
    }
  }
});
