/**
 * The `wasm` backend: SIMD128 kernels on a worker pool over shared WebAssembly memory, for the
 * einsum kinds that dominate training time (conv2d, convTranspose2d, linear, matmul), batch
 * normalisation (forward and backward), 2x2 max pooling and the activations JavaScript is slow
 * at (relu, relu6, tanh), plus JavaScript fast paths for other memory-bound layers (average
 * pooling, upsampling). Every other kernel is the reference one (object spread), so nothing is
 * ever missing.
 *
 * Importing this module registers the backend and makes it the default when the runtime can
 * run it (SIMD128, shared memory, atomics, the built module present); otherwise it prints one
 * line saying why and dnnkit stays on `reference`.
 */
import type { Backend } from '../backend.js';
import { reference } from '../reference/index.js';
import { registerBackend } from '../registry.js';
import { wasmContract } from './contract.js';
import { maxPool2d } from './max-pool.js';
import {
  batchNormApply, batchNormBackward, batchNormReluMaxPool, batchNormReluMaxPoolBackward, batchNormTraining,
} from './batchnorm.js';
import { unary, unaryGrad } from './elementwise.js';
import { convTanhPool, convTanhPoolBackward } from './conv-direct.js';
import { conv2dForwardRelu } from './conv.js';
import { compileKernelModule, loadedVariant, setLoadedVariant, unsupportedReason } from './loader.js';
import { allocateResident, provideModule } from './runtime.js';

export { setThreads, getThreads, wasmMemoryBytes } from './runtime.js';

export const wasm: Backend = {
  ...reference,
  name: 'wasm',
  allocate: allocateResident,
  contract: wasmContract,
  maxPool2d,
  unary,
  unaryGrad,
  batchNormTraining,
  batchNormReluMaxPool,
  batchNormReluMaxPoolBackward,
  batchNormApply,
  batchNormBackward,
  convRelu: conv2dForwardRelu,
  convTanhPool,
  convTanhPoolBackward,
};

/**
 * Which build of the kernels the wasm backend runs: 'relaxed' (relaxed SIMD: fused multiply-add,
 * Chrome, Node 22, Node 20 with --experimental-wasm-relaxed-simd, as the dnnkit command runs),
 * 'simd' (SIMD128), or null when the backend is unavailable.
 * @example wasmKernels()  // 'relaxed'
 */
export function wasmKernels(): 'relaxed' | 'simd' | null {
  return wasmAvailable ? loadedVariant : null;
}

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
 * Browser start-up: compile the kernel module and make `wasm` the default backend (Node does
 * this on import). `url` is the built module (…/dnnkit.wasm) or the folder serving build/; for
 * a folder the relaxed-SIMD build is tried first and kept where the engine validates it.
 * @example await initWasm(new URL('./build/', location.href))
 */
export async function initWasm(url: string | URL): Promise<boolean> {
  if (wasmAvailable) return true;
  const reason = unsupportedReason();
  if (reason) {
    console.warn(`dnnkit: wasm backend unavailable (${reason}); using the reference backend`);
    return false;
  }
  const base = String(url);
  const files = base.endsWith('.wasm') ? [base]
    : ['dnnkit-relaxed.wasm', 'dnnkit.wasm'].map((f) => new URL(f, base.endsWith('/') ? base : base + '/').href);
  for (const file of files) {
    const res = await fetch(file);
    if (!res.ok) continue;
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!WebAssembly.validate(bytes)) continue;
    provideModule(await WebAssembly.compile(bytes));
    setLoadedVariant(file.endsWith('dnnkit-relaxed.wasm') ? 'relaxed' : 'simd');
    registerBackend(wasm, { makeDefault: true });
    wasmAvailable = true;
    return true;
  }
  console.warn(`dnnkit: wasm backend unavailable (no valid module at ${files.join(', ')}); using the reference backend`);
  return false;
}

tryRegister();
