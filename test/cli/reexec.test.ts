/**
 * The start-up restart of the dnnkit command and the bench (src/cli/reexec.ts): malloc tuning
 * and the relaxed-SIMD flag, each only where it applies. The real command's use of it is checked
 * end to end in train.test.ts (the kernels its header names).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { reexecPlan } from '../../src/cli/reexec.js';
import { MALLOC_TUNING } from '../../src/cli/malloc-tuning.js';
import { RELAXED_SIMD_FLAG, hasRelaxedSimd, relaxedSimdArgs } from '../../src/cli/relaxed-simd.js';

const v8Major = Number(process.versions.v8.split('.')[0]);
const flagNeeded = !hasRelaxedSimd() && v8Major >= 9 && v8Major <= 11;

describe('relaxed SIMD flag', () => {
  it('the probe module validates exactly when the engine has relaxed SIMD on', () => {
    const probe = `import('${new URL('../../src/cli/relaxed-simd.js', import.meta.url).href}').then((m) => console.log(m.hasRelaxedSimd()))`;
    const run = (args: string[]): string => spawnSync(process.execPath, [...process.execArgv, ...args, '--input-type=module', '-e', probe], { encoding: 'utf8' }).stdout.trim();
    assert.equal(run([]), String(hasRelaxedSimd()));
    if (flagNeeded) assert.equal(run([RELAXED_SIMD_FLAG]), 'true', 'the flag turns relaxed SIMD on');
  });

  it('is asked for only where the engine lacks the feature and knows the flag', () => {
    assert.deepEqual(relaxedSimdArgs([], {}), flagNeeded ? [RELAXED_SIMD_FLAG] : []);
    assert.deepEqual(relaxedSimdArgs([RELAXED_SIMD_FLAG], {}), [], 'already on');
    assert.deepEqual(relaxedSimdArgs([], { DNNKIT_WASM_VARIANT: 'simd' }), [], 'the plain build was forced');
  });
});

describe('reexecPlan', () => {
  it('restarts with the malloc tuning and the flag, once', () => {
    const plan = reexecPlan({}, []);
    assert.ok(process.platform !== 'linux' && !flagNeeded ? plan === null : plan !== null);
    if (process.platform === 'linux') assert.deepEqual(plan!.env, MALLOC_TUNING);
    if (plan) assert.deepEqual(plan.nodeArgs, relaxedSimdArgs([], {}));
    // The restarted process (tuned, flag on) does not restart again.
    assert.equal(reexecPlan({ ...MALLOC_TUNING }, [...(plan?.nodeArgs ?? [])]), null);
  });

  it("keeps a user's own malloc settings and honours DNNKIT_NO_REEXEC", () => {
    const own = reexecPlan({ MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '1' }, []);
    if (flagNeeded) assert.deepEqual(own, { nodeArgs: [RELAXED_SIMD_FLAG], env: {} });
    else assert.equal(own, null);
    assert.equal(reexecPlan({ DNNKIT_NO_REEXEC: '1' }, []), null);
  });
});
