/**
 * glibc's malloc tuning for dnnkit processes (the `dnnkit` command and `npm run bench`).
 *
 * Every op result is a fresh Float32Array, and glibc hands large freed blocks back to the
 * kernel (mmap/trim), so each new multi-megabyte array page-faults its memory in again. On VMs
 * where first touch is expensive (this project's 2-core Firecracker VM: ~12 µs per 4 KB page,
 * a fresh 51 MB array ~155 ms to fill vs ~4 ms to copy into touched memory) that dominates
 * memory-bound kernels. Raising the thresholds keeps freed blocks in the heap for reuse. glibc
 * reads them only at start-up, hence a re-exec of the process with them set (bin/dnnkit.js,
 * bench/run.ts). A library user's own process can set them the same way:
 *   MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=2000000000 node app.js
 */

/** The environment variables and values dnnkit runs with. */
export const MALLOC_TUNING: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '1000000000',
  MALLOC_TRIM_THRESHOLD_: '2000000000',
};

/**
 * Whether this process should restart itself with MALLOC_TUNING: on Linux (glibc), unless
 * DNNKIT_NO_REEXEC is set or the user chose their own MALLOC_* settings.
 */
export function wantsMallocTuning(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform === 'linux' && !env['DNNKIT_NO_REEXEC'] && !hasMallocTuning(env);
}

/** Whether this process runs with its own malloc thresholds (from the re-exec or the user). */
export function hasMallocTuning(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['MALLOC_MMAP_THRESHOLD_'] !== undefined || env['MALLOC_TRIM_THRESHOLD_'] !== undefined;
}
