/**
 * Run a suite once per backend (as TF.js's describeWithFlags): `forEachBackend(name => ...)`
 * declares the tests inside a describe block per backend, with that backend selected while
 * they run. The wasm backend is loaded if it can be (it registers itself on import); set
 * DNNKIT_BACKENDS=reference (a comma list) to restrict the run.
 */
import { after, before, describe } from 'node:test';
import { getBackend, listBackends, setBackend } from '../src/backends/registry.js';

let loaded: Promise<void> | null = null;

/** Import the optional fast backends once; a failure just leaves them out. */
export function loadBackends(): Promise<void> {
  loaded ??= import('../src/backends/wasm/index.js').then(() => undefined, () => undefined);
  return loaded;
}

await loadBackends();

/** The backends a suite runs on: every registered one, or those named in DNNKIT_BACKENDS. */
export function testBackends(): string[] {
  const wanted = process.env['DNNKIT_BACKENDS']?.split(',').map((s) => s.trim()).filter(Boolean);
  const all = listBackends();
  return wanted ? all.filter((b) => wanted.includes(b)) : all;
}

/** Declare `body`'s tests once per backend, under describe(`backend <name>`). */
export function forEachBackend(body: (name: string) => void): void {
  for (const name of testBackends()) {
    describe(`backend ${name}`, () => {
      let previous = '';
      before(() => { previous = getBackend().name; setBackend(name); });
      after(() => setBackend(previous));
      body(name);
    });
  }
}
