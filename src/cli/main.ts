/**
 * The `dnnkit` command. Each subcommand lives in src/cli/commands/<name>.ts and exports
 * `register(program)`; adding one touches its file and one line in `commands` below.
 * Errors print as one message line and exit code 1 (2 for usage errors): never a stack
 * trace, unless DNNKIT_DEBUG is set.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

type Register = (program: Command) => void;

/** Subcommand modules, loaded lazily so `dnnkit --help` stays fast. */
const commands: Array<() => Promise<{ register: Register }>> = [
  () => import('./commands/summary.js'),
  () => import('./commands/loopnest.js'),
  () => import('./commands/conv.js'),
  () => import('./commands/eval.js'),
  () => import('./commands/predict.js'),
  () => import('./commands/train.js'),
  () => import('./commands/experiment.js'),
  () => import('./commands/export.js'),
  () => import('./commands/run.js'),
];

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('dnnkit')
    .description('Deep neural network building blocks: train CNNs, analyse layers (shapes, weights, MACs, loop nests), run ONNX models.')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const load of commands) (await load()).register(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; commander already printed the message.
      return err.exitCode === 0 ? 0 : 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    const command = program.args[0] ?? '';
    process.stderr.write(`dnnkit${command ? ` ${command}` : ''}: ${message}\n`);
    if (process.env.DNNKIT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
