/**
 * Run the real `dnnkit` command in a child process. Under `npm test` (compiled, dist/) this is
 * `node bin/dnnkit.js`; when a test runs from TypeScript sources (node --import tsx) it runs
 * src/cli/main.ts through tsx, so the tests also work while iterating.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const fromSource = import.meta.url.endsWith('.ts');

/** Whether cliArgs starts bin/dnnkit.js (which restarts itself: src/cli/reexec.ts), not main directly. */
export function runsWrapper(): boolean {
  return cliArgs([])[0]!.endsWith('dnnkit.js');
}

/** The argv (after node) that starts the CLI. */
export function cliArgs(args: string[]): string[] {
  // A file, not `node -e`: the wasm backend's worker threads inherit the exec arguments.
  const entry = fileURLToPath(new URL(fromSource ? './cli-entry.ts' : './cli-entry.js', import.meta.url));
  if (fromSource) return ['--import', 'tsx', entry, ...args];
  // Compiled by npm test into dist/: the repository's bin/dnnkit.js runs dist/src/cli/main.js.
  const bin = fileURLToPath(new URL('../../../bin/dnnkit.js', import.meta.url));
  if (existsSync(bin) && /[\\/]dist[\\/]test[\\/]/.test(fileURLToPath(import.meta.url))) return [bin, ...args];
  return [entry, ...args];
}

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Start the CLI; the caller may kill the child. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, cliArgs(args), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Run the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}
