/**
 * Full-size torchvision models (ResNet-18, MobileNetV2, SqueezeNet 1.1, AlexNet; random
 * weights) exported by PyTorch: dnnkit must reproduce PyTorch's outputs within 1e-4. The .onnx
 * files (~300 MB) are not committed: `/usr/bin/python3 scripts/make-onnx-fixtures.py --large`
 * writes them to test/fixtures/onnx/large/; without them these tests are skipped, saying so.
 * The input (rgb224.input.npy) and PyTorch's outputs are committed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadOnnx } from '../../src/io/onnx/load.js';
import { decodeNpy } from '../../src/io/npy.js';
import { noGrad } from '../../src/autograd/graph.js';
import { assertClose, repoPath } from '../helpers.js';

const dir = 'test/fixtures/onnx';

for (const name of ['squeezenet1_1', 'mobilenet_v2', 'resnet18', 'alexnet']) {
  const path = repoPath(dir, 'large', `${name}.onnx`);
  const present = existsSync(path);
  test(`${name} (full size): dnnkit reproduces PyTorch's output within 1e-4`,
    { skip: present ? false : `${path} is absent; generate it with /usr/bin/python3 scripts/make-onnx-fixtures.py --large` },
    async () => {
      const model = await loadOnnx(path);
      const x = decodeNpy(readFileSync(repoPath(dir, 'rgb224.input.npy')));
      const want = decodeNpy(readFileSync(repoPath(dir, `${name}.output.npy`)));
      const y = noGrad(() => model.call(x));
      assert.deepEqual(y.shape, [1, 1000]);
      assertClose(y.data, want.data, `${name} logits`, 0, 1e-4);
    });
}
