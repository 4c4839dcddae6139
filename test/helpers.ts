/** Shared test utilities: repository paths, closeness assertions, fixture loading. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Tests run from the repository root (npm test does); paths to committed files start there. */
export function repoPath(...parts: string[]): string {
  return resolve(process.cwd(), ...parts);
}

export function readJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(repoPath(...parts), 'utf8')) as T;
}

/**
 * Assert |a - b| <= atol + rtol * |b| element-wise, naming the first offending index.
 * `what` says which quantity is compared, so a failure reads like a sentence.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>,
                            what: string, rtol = 1e-5, atol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok) assert.fail(`${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Assert that fn throws an Error whose message contains every fragment. */
export function assertThrowsWith(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  assert.ok(caught instanceof Error, `expected an error mentioning ${fragments.join(', ')}, nothing was thrown`);
  for (const f of fragments) {
    assert.ok(caught.message.includes(f), `error message "${caught.message}" lacks "${f}"`);
  }
}

/**
 * The bit patterns of a's elements (to compare floats exactly, NaN and -0 included). Through
 * byteOffset: a resident result is a view into the wasm memory, not an ArrayBuffer of its own.
 */
export function bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}
