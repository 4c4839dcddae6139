/**
 * Exported files pass the ONNX project's own checker with strict shape inference
 * (onnx.checker.check_model(full_check=True)), at several opsets. Needs Debian's python3-onnx
 * (/usr/bin/python3 with the onnx module); skipped, saying so, where it is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../../src/nn/index.js';
import * as zoo from '../../src/models/zoo.js';
import { toOnnxBytes } from '../../src/io/onnx/export.js';

const python = '/usr/bin/python3';
const probe = spawnSync(python, ['-c', 'import onnx; print(onnx.__version__)'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `${python} with the onnx module is not available (apt install python3-onnx)`;

const CHECK = `
import sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
print('checked', len(sys.argv) - 1)
`;

test('exported models pass onnx.checker with strict shape inference (opsets 11, 13, 14, 17)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnnkit-onnx-check-'));
  try {
    const model = new nn.Sequential(
      new nn.Conv2d(3, 8, 3, { padding: 'same' }), new nn.BatchNorm2d(8), new nn.Hardswish(),
      new nn.Residual(new nn.Conv2d(8, 8, 3, { padding: 1 }), null, new nn.ReLU6()),
      new nn.Concat([new nn.Conv2d(8, 4, 1), new nn.MaxPool2d(3, { stride: 1, padding: 1 })]),
      new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }), new nn.Upsample({ scaleFactor: 2, mode: 'zeros' }),
      new nn.ConvTranspose2d(12, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.SiLU(),
      new nn.AdaptiveAvgPool2d(2), new nn.Flatten(), new nn.Linear(16, 10), new nn.LogSoftmax(1));
    model.eval();
    const files: string[] = [];
    for (const opset of [11, 13, 14, 17]) {
      const f = join(dir, `m${opset}.onnx`);
      writeFileSync(f, toOnnxBytes(model, { inputShape: [1, 3, 8, 8], opset }));
      files.push(f);
    }
    const lenet = join(dir, 'lenet5.onnx');
    writeFileSync(lenet, toOnnxBytes(zoo.create('lenet5').eval(), { inputShape: [1, 1, 32, 32] }));
    files.push(lenet);
    const r = spawnSync(python, ['-c', CHECK, ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /checked 5/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
