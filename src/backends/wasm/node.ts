/**
 * Node built-ins without a static `import 'node:...'`, so the backend also bundles for the
 * browser: there `process` is absent and callers take their browser path.
 */
type GetBuiltin = (id: string) => unknown;

/** The Node built-in module `id`, or null outside Node. */
export function nodeModule<T>(id: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process;
  const get = proc?.getBuiltinModule;
  return typeof get === 'function' ? (get(id) as T) : null;
}
