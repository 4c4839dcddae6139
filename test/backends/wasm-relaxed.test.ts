/**
 * The relaxed-SIMD module variant (fused multiply-add) is only loaded where the engine accepts
 * it; Node 20 needs --experimental-wasm-relaxed-simd (the dnnkit command and the bench turn it
 * on: src/cli/reexec.ts), so rerun the tests of every kernel that uses the fused multiply-add
 * (GEMM, conv, Winograd conv, direct conv and its Sequential fusion, depthwise) in a child process with that
 * flag and check that the variant was the one under test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('wasm relaxed-SIMD variant', () => {
  it('passes the GEMM, conv, direct conv and depthwise kernel tests', () => {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const files = ['wasm-gemm.test', 'wasm-conv.test', 'wasm-conv-random.test', 'wasm-conv-stream.test', 'wasm-conv-relu.test', 'wasm-conv-direct.test',
      '../nn/sequential-tanh-fusion.test', '../nn/sequential-relu-fusion.test', 'wasm-depthwise.test', 'wasm-winograd.test'].map((f) => fileURLToPath(new URL(`./${f}${ext}`, import.meta.url)));
    // A fresh test run, not a child of this one (the runner marks its children by this variable).
    const env: NodeJS.ProcessEnv = { ...process.env, DNNKIT_EXPECT_WASM_VARIANT: 'relaxed' };
    delete env['NODE_TEST_CONTEXT'];
    const child = spawnSync(process.execPath, [...process.execArgv, '--experimental-wasm-relaxed-simd', '--test', ...files], {
      env, encoding: 'utf8', timeout: 300000,
    });
    const out = `${child.stdout}\n${child.stderr}`;
    assert.equal(child.status, 0, `relaxed-SIMD run failed:\n${out.slice(-3000)}`);
    assert.match(out, /# fail 0/);
  });
});
