/**
 * The determinism check the wasm kernel tests share: a kernel call gives the same bits on 1 and
 * 2 threads (work is split by outputs, never by a reduction), and the worker really took part.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertClose } from '../helpers.js';
import { runtime, setThreads, waitForThreads } from '../../src/backends/wasm/runtime.js';

/**
 * Run `call` on 1 thread and then on 2; assert the 2-thread results equal the 1-thread ones bit
 * for bit and that the worker ran at least `minWorkerParts` parts. Returns the 1-thread results.
 * @example const [dx] = sameOnOneAndTwoThreads(() => [conv2dBackwardInput(p, dy, w)], 'dx');
 */
export function sameOnOneAndTwoThreads(call: () => Float32Array[], what: string, minWorkerParts = 1): Float32Array[] {
  setThreads(1);
  const one = call();
  setThreads(2);
  assert.equal(waitForThreads(), 1, 'the worker thread did not start');
  const before = runtime().pool.workerParts;
  const two = call();
  assert.ok(runtime().pool.workerParts >= before + minWorkerParts, `${what}: the worker thread took no part of the call`);
  one.forEach((a, i) => assertClose(two[i]!, a, `${what}, output ${i}: threads 1 vs 2`, 0, 0));
  return one;
}

/**
 * One test per shape on 1 thread, then one per shape on 2, named "<name> (1 thread)" and
 * "<name> (2 threads)", the thread count set (and the worker started) before `body` runs.
 * @example itOnOneAndTwoThreads(shapes, (shape) => assertClose(kernel(shape), reference(shape), 'y'));
 */
export function itOnOneAndTwoThreads<S>(shapes: ReadonlyArray<readonly [string, S]>, body: (shape: S, name: string) => void): void {
  for (const threads of [1, 2]) {
    for (const [name, shape] of shapes) {
      it(`${name} (${threads} thread${threads > 1 ? 's' : ''})`, () => {
        setThreads(threads);
        if (threads > 1) waitForThreads();
        body(shape, name);
      });
    }
  }
}
