/**
 * Finding, validating and instantiating the kernel module (build/dnnkit.wasm).
 *
 * The module imports one shared WebAssembly.Memory, so every worker thread instantiates the
 * same compiled module over the same heap. Feature detection comes first: a runtime without
 * SIMD128, shared memory or atomics gets `null` and dnnkit stays on the reference backend.
 */
import { nodeModule } from './node.js';

/** The raw kernel exports (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  heapBase(): number;
  gemmScratchBytes(): number;
  convScratchBytes(): number;
  [name: string]: (...args: number[]) => number | void;
}

/** A tiny module using v128 (i32x4.splat + drop): validates only where SIMD128 exists. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             // type: () -> ()
  0x03, 0x02, 0x01, 0x00,                         // one function of type 0
  0x0a, 0x09, 0x01, 0x07, 0x00,                   // code: 1 body, 7 bytes, no locals
  0x41, 0x00, 0xfd, 0x11, 0x1a, 0x0b,             // i32.const 0; i32x4.splat; drop; end
]);

/** Why the wasm backend cannot run here, or null if it can. */
export function unsupportedReason(): string | null {
  if (typeof WebAssembly !== 'object') return 'WebAssembly is not available';
  if (!WebAssembly.validate(SIMD_PROBE)) return 'WebAssembly SIMD128 is not supported';
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available (cross-origin isolation?)';
  if (typeof Atomics !== 'object') return 'Atomics are not available';
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return 'shared WebAssembly.Memory is not supported';
  }
  return null;
}

/** The memory's declared limits must match the module's import (see scripts/build-wasm.mjs). */
export const INITIAL_PAGES = 17;
export const MAXIMUM_PAGES = 32768;

/** Candidate locations of a built module, relative to this file in src/ or dist/src/. */
function wasmCandidates(file: string): URL[] {
  return [new URL(`../../../build/${file}`, import.meta.url), new URL(`../../../../build/${file}`, import.meta.url)];
}

/** Which module variant was loaded: 'relaxed' (fused multiply-add) or 'simd'. */
export let loadedVariant: 'relaxed' | 'simd' | null = null;

/** Record the variant a host compiled itself (a browser's initWasm). */
export function setLoadedVariant(variant: 'relaxed' | 'simd'): void {
  loadedVariant = variant;
}

/**
 * Compile the kernel module synchronously from the package's build/ folder (Node): the
 * relaxed-SIMD build where this engine validates it (validating the module itself is the
 * feature test), else the SIMD128 build. DNNKIT_WASM_VARIANT=simd forces the latter.
 * Elsewhere (a browser) returns null: the host compiles it asynchronously and calls initWasm.
 */
export function compileKernelModule(): WebAssembly.Module | null {
  const fs = nodeModule<typeof import('node:fs')>('node:fs');
  const url = nodeModule<typeof import('node:url')>('node:url');
  if (!fs || !url) return null;
  const forced = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['DNNKIT_WASM_VARIANT'];
  const variants: Array<['relaxed' | 'simd', string]> = forced === 'simd' ? [['simd', 'dnnkit.wasm']]
    : [['relaxed', 'dnnkit-relaxed.wasm'], ['simd', 'dnnkit.wasm']];
  const looked: string[] = [];
  for (const [variant, file] of variants) {
    for (const path of wasmCandidates(file).map((u) => url.fileURLToPath(u))) {
      looked.push(path);
      if (!fs.existsSync(path)) continue;
      const bytes = fs.readFileSync(path);
      if (!WebAssembly.validate(bytes)) break; // this engine lacks the variant's features
      loadedVariant = variant;
      return new WebAssembly.Module(bytes);
    }
  }
  throw new Error(`wasm backend: build/dnnkit.wasm not found or not valid here (looked in ${looked.join(', ')}); run npm run build:wasm`);
}

/**
 * The shared heap. A shared memory reserves its maximum up front, which a 32-bit or mobile
 * browser may refuse for 2 GiB: then try smaller caps (the module accepts any maximum up to
 * its declared one).
 */
export function createSharedMemory(): WebAssembly.Memory {
  let last: unknown;
  for (const maximum of [MAXIMUM_PAGES, MAXIMUM_PAGES / 2, MAXIMUM_PAGES / 8]) {
    try {
      return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared: true });
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`wasm backend: cannot reserve shared memory (${(last as Error).message})`);
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
