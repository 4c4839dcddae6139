/**
 * Relaxed SIMD for dnnkit processes (the `dnnkit` command and `npm run bench`).
 *
 * The wasm backend loads its relaxed-SIMD build (fused multiply-add, `f32x4.relaxed_madd`)
 * wherever the engine validates it, else the SIMD128 build (src/backends/wasm/loader.ts).
 * Chrome and Node 22 have relaxed SIMD on; Node 20 has it only behind a V8 flag. Where this
 * engine lacks it but knows the flag, the start-up restart (reexec.ts) adds the flag, so the
 * command runs the faster build the browser gets.
 * A library user's own process can do the same: node --experimental-wasm-relaxed-simd app.js
 */

/** The V8 flag that turns relaxed SIMD on where it is not on by default. */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * A module of one function that runs f32x4.relaxed_madd on three constants: it validates
 * exactly where relaxed SIMD is on.
 */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const constant = (v: number): number[] => [0xfd, 0x0c, ...new Array<number>(16).fill(v)];
  const body = [0x00, ...constant(1), ...constant(2), ...constant(3), 0xfd, 0x85, 0x02, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type: () -> v128
    0x03, 0x02, 0x01, 0x00,                         // one function of that type
    0x0a, body.length + 2, 0x01, body.length, ...body,
  ]);
}

/** Whether this engine validates relaxed SIMD now. */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(relaxedProbe());
}

/**
 * The node arguments to add so that a re-executed process has relaxed SIMD: the flag where this
 * engine lacks the feature and its V8 (9 to 11: Node 16 to 21) knows the flag (node refuses an
 * unknown one), else none. DNNKIT_WASM_VARIANT=simd (the plain build forced) also gives none.
 */
export function relaxedSimdArgs(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env['DNNKIT_WASM_VARIANT'] === 'simd' || execArgv.includes(RELAXED_SIMD_FLAG) || hasRelaxedSimd()) return [];
  const v8Major = Number(process.versions.v8.split('.')[0]);
  return v8Major >= 9 && v8Major <= 11 ? [RELAXED_SIMD_FLAG] : [];
}
