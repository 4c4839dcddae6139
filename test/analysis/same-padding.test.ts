// summary() and the ops share one 'same' padding rule: P = ceil(H/U) at any stride, even
// kernels padded one more at the bottom/right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, summary, randn, noGrad } from '../../src/index.js';

test("summary's P/Q for 'same' convs equal the real output at stride 1 and 2, odd and even kernels", () => {
  for (const [stride, kernel, size] of [[1, 3, 9], [2, 3, 9], [2, 4, 10], [3, 2, 7], [1, 4, 6]] as const) {
    const model = new nn.Sequential(new nn.Conv2d(2, 4, kernel, { stride, padding: 'same' }));
    const row = summary(model, [1, 2, size, size]).layers[0]!;
    const out = noGrad(() => model.forward(randn([1, 2, size, size])));
    assert.deepEqual([row.P, row.Q], [out.shape[2], out.shape[3]], `stride ${stride} kernel ${kernel} size ${size}`);
    assert.equal(row.P, Math.ceil(size / stride));
    assert.equal(row.macs, 4 * 2 * kernel * kernel * row.P! * row.Q!);
  }
});
