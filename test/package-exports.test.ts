// The package's own entry points, resolved as a user's `import` would (package.json
// "exports", self-reference): the root stays free of static node: imports so bundlers can
// take it to the browser; the Node-only training API lives under 'dnnkit/training'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { repoPath } from './helpers.js';

const built = existsSync(repoPath('dist/src/index.js'));

test("'dnnkit' and 'dnnkit/training' resolve through package.json exports", { skip: built ? false : 'dist/ not built (npm test builds it)' }, async () => {
  const root = await import('dnnkit' as string);
  for (const name of ['tensor', 'F', 'nn', 'optim', 'noGrad', 'setBackend', 'summary', 'einsum', 'loadOnnx', 'saveOnnx', 'gradcheck', 'zoo']) {
    assert.ok(name in root, `dnnkit exports ${name}`);
  }
  const training = await import('dnnkit/training' as string);
  for (const name of ['data', 'fit', 'evaluate', 'saveCheckpoint', 'loadCheckpoint', 'loadTrainedModel', 'buildModel']) {
    assert.ok(name in training, `dnnkit/training exports ${name}`);
  }
  const { train } = training.data.loadDataset('fashion-mnist');
  assert.ok(train.length >= 1000, `a dataset was found (${train.length} training images)`);
});

test('the package root has no static node: import (browser bundlers can take it)', async () => {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [repoPath('src/index.ts')], bundle: true, write: false, platform: 'browser', format: 'esm',
    // Dynamic imports of node: modules (Node-only paths such as loadOnnx(path)) are allowed.
    external: ['node:*'], metafile: true, logLevel: 'silent',
  });
  const staticNode = Object.values(result.metafile.inputs)
    .flatMap((input) => input.imports.filter((i) => i.path.startsWith('node:') && i.kind === 'import-statement').map((i) => i.path));
  assert.deepEqual(staticNode, [], `static node: imports reachable from src/index.ts: ${staticNode.join(', ')}`);
});
