/**
 * The ONNX loader and writer run where code generation from strings is forbidden (a browser
 * page whose Content-Security-Policy has no 'unsafe-eval', like dnnkit's web app): the
 * protobuf codecs are static code (src/io/onnx/onnx-proto.ts), not built with Function().
 * Checked in a Node child process started with --disallow-code-generation-from-strings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeNpy } from '../../src/io/npy.js';
import { assertClose, repoPath } from '../helpers.js';

test('ONNX import and export work with code generation from strings disallowed', () => {
  const fromSource = import.meta.url.endsWith('.ts');
  const child = fileURLToPath(new URL(fromSource ? './csp-child.ts' : './csp-child.js', import.meta.url));
  const args = ['--disallow-code-generation-from-strings', ...(fromSource ? ['--import', 'tsx'] : []), child];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: repoPath() });
  assert.equal(r.status, 0, r.stderr);
  const { output, exported } = JSON.parse(r.stdout) as { output: number[]; exported: number };
  const want = decodeNpy(readFileSync(repoPath('test/fixtures/onnx/squeezenet1_1_small.output.npy')));
  assertClose(output, want.data, 'squeezenet output without eval', 0, 1e-4);
  assert.ok(exported > 0);
});
