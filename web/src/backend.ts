/**
 * Choosing the fastest backend this browser supports. The wasm backend needs SIMD128, shared
 * memory and cross-origin isolation (the server sends COOP/COEP); without them the pages run
 * on the reference backend, which gives the same numbers, only slower.
 */
import { getBackend } from '../../src/backends/registry.js';
import { initWasm } from '../../src/backends/wasm/index.js';

/** Why the fast backend is not in use, when it is not (shown in the footer). */
let fallbackReason: string | null = null;
let started: Promise<string> | null = null;

/**
 * Load the fastest backend (once) and return its name. The kernel module is served beside
 * the pages (web/dist/dnnkit*.wasm, copied from build/ by the web build).
 * @example const name = await useFastestBackend();  // 'wasm' or 'reference'
 */
export function useFastestBackend(): Promise<string> {
  started ??= (async () => {
    if (!globalThis.crossOriginIsolated) {
      fallbackReason = 'the page is not cross-origin isolated, so no shared memory for wasm threads';
      return getBackend().name;
    }
    try {
      // The folder: initWasm tries the relaxed-SIMD module, then the plain SIMD one.
      const ok = await initWasm(new URL('../', import.meta.url));
      if (!ok) fallbackReason = 'this browser lacks WebAssembly SIMD or shared memory';
    } catch (err) {
      fallbackReason = `the wasm kernels did not load: ${err instanceof Error ? err.message : String(err)}`;
    }
    return getBackend().name;
  })();
  return started;
}

/** Why the reference backend is used, or '' when the fast one is. */
export function backendNote(): string {
  return fallbackReason ?? '';
}

/** Show a backend in the footer (#backend-name), with the reason for a fallback. */
export function showBackendName(name: string, note: string): void {
  const target = document.getElementById('backend-name');
  if (target) target.textContent = note ? `${name} (${note})` : name;
  document.documentElement.dataset.backend = name;
}

/** Load the fastest backend for this page and show it in the footer. */
export async function showBackend(): Promise<string> {
  const name = await useFastestBackend();
  showBackendName(name, backendNote());
  return name;
}
