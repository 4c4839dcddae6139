/**
 * The `wasm` backend: SIMD128 kernels on a worker pool over shared WebAssembly memory, for the
 * einsum kinds that dominate training time (conv2d, convTranspose2d, linear, matmul). Every
 * other kernel is the reference one (object spread), so nothing is ever missing.
 *
 * Importing this module registers the backend and makes it the default when the runtime can
 * run it (SIMD128, shared memory, atomics, the built module present); otherwise it prints one
 * line saying why and dnnkit stays on `reference`.
 */
import type { Backend } from '../backend.js';
import { reference } from '../reference/index.js';
import { registerBackend } from '../registry.js';
import { wasmContract } from './contract.js';
import { compileKernelModule, unsupportedReason } from './loader.js';
import { provideModule } from './runtime.js';

export { setThreads, getThreads, wasmMemoryBytes } from './runtime.js';

export const wasm: Backend = {
  ...reference,
  name: 'wasm',
  contract: wasmContract,
};

/** Whether the wasm backend is registered (and the default) in this process. */
export let wasmAvailable = false;

function tryRegister(): void {
  const reason = unsupportedReason();
  let module: WebAssembly.Module | null = null;
  let why = reason;
  if (!why) {
    try {
      module = compileKernelModule();
    } catch (e) {
      why = (e as Error).message;
    }
  }
  if (why) {
    console.warn(`dnnkit: wasm backend unavailable (${why}); using the reference backend`);
    return;
  }
  if (!module) return; // a browser: initWasm() compiles and registers asynchronously
  provideModule(module);
  registerBackend(wasm, { makeDefault: true });
  wasmAvailable = true;
}

/**
 * Browser start-up: compile the kernel module from `url` (where the app serves
 * build/dnnkit.wasm) and make `wasm` the default backend. Node does this on import.
 */
export async function initWasm(url: string | URL): Promise<boolean> {
  if (wasmAvailable) return true;
  const reason = unsupportedReason();
  if (reason) {
    console.warn(`dnnkit: wasm backend unavailable (${reason}); using the reference backend`);
    return false;
  }
  const module = await WebAssembly.compileStreaming(fetch(url));
  provideModule(module);
  registerBackend(wasm, { makeDefault: true });
  wasmAvailable = true;
  return true;
}

tryRegister();
