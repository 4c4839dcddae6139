#!/usr/bin/env node
// The dnnkit command: runs the compiled CLI (npm install builds it via the prepare script).
import { spawn } from 'node:child_process';
import { reexecPlan } from '../dist/src/cli/reexec.js';

// Why a re-exec: see src/cli/reexec.ts (malloc tuning: fresh result arrays page-faulting in, a
// training step of the default CNN ~148 -> ~120 ms CPU, `node --import tsx bench/train-step.ts`;
// relaxed SIMD behind a flag in Node 20). DNNKIT_NO_REEXEC=1 skips it. stdio is inherited and
// the exit code or signal passed back unchanged.
const env = process.env;
const reexec = reexecPlan(env);
if (reexec) {
  const child = spawn(process.execPath, [...reexec.nodeArgs, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...env, ...reexec.env, DNNKIT_PARENT_PID: String(process.pid) },
  });
  // Ctrl-C, Ctrl-\ and a closed terminal signal the whole foreground process group, so the
  // child already has them; the wrapper just waits for it to finish. SIGTERM usually comes to
  // one pid (kill, timeout, CI runners) and is passed on.
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGHUP']) process.on(sig, () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (err) => {
    process.stderr.write(`dnnkit: cannot start node (${err.message})\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so the shell sees what the child saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
} else {
  if (env.DNNKIT_PARENT_PID) {
    // The re-exec'd child: die with the wrapper even when it is SIGKILLed (bin/parent-watch.js).
    const { Worker } = await import('node:worker_threads');
    new Worker(new URL('./parent-watch.js', import.meta.url), { workerData: { parent: Number(env.DNNKIT_PARENT_PID) } }).unref();
    delete env.DNNKIT_PARENT_PID;
  }
  const { main } = await import('../dist/src/cli/main.js');

  // `dnnkit summary vgg16 | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }

  main(process.argv).then((code) => { process.exitCode = code; });
}
