/**
 * Which backend the ops call. `reference` is always there; a fast backend registers itself
 * when its module loads and its feature checks pass (see src/backends/wasm).
 */
import type { Backend } from './backend.js';
import { reference } from './reference/index.js';

const backends = new Map<string, Backend>([['reference', reference]]);
let current: Backend = reference;

/** Make a backend selectable by name; the first fast backend registered becomes the default. */
export function registerBackend(backend: Backend, { makeDefault = false } = {}): void {
  backends.set(backend.name, backend);
  if (makeDefault) current = backend;
}

/** The backend the ops use now. */
export function getBackend(): Backend {
  return current;
}

/**
 * Choose the backend by name.
 * @example setBackend('reference')  // plain loops: slow, the specification
 */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    throw new Error(`setBackend: unknown backend '${name}'; available: ${[...backends.keys()].join(', ')}`);
  }
  current = b;
}

/** Names of the backends available in this process. */
export function listBackends(): string[] {
  return [...backends.keys()];
}
