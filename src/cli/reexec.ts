/**
 * Whether and how a dnnkit process (the `dnnkit` command, `npm run bench`) restarts itself once
 * at start-up: with glibc's malloc tuning (malloc-tuning.ts) and with relaxed SIMD turned on
 * where this Node has it behind a flag (relaxed-simd.ts). Both can only be set at process start.
 * DNNKIT_NO_REEXEC=1 skips the restart; a user's own MALLOC_* settings are kept.
 */
import { MALLOC_TUNING, wantsMallocTuning } from './malloc-tuning.js';
import { relaxedSimdArgs } from './relaxed-simd.js';

export interface Reexec {
  /** Node arguments to put before this process's own exec arguments. */
  readonly nodeArgs: string[];
  /** Environment variables to add. */
  readonly env: Record<string, string>;
}

/** The restart this process wants, or null to run as it is. */
export function reexecPlan(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): Reexec | null {
  if (env['DNNKIT_NO_REEXEC']) return null;
  const malloc = wantsMallocTuning(env);
  const nodeArgs = relaxedSimdArgs(execArgv, env);
  if (!malloc && nodeArgs.length === 0) return null;
  return { nodeArgs, env: malloc ? { ...MALLOC_TUNING } : {} };
}
