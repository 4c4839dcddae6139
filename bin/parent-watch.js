// Worker for bin/dnnkit.js's re-exec'd child: if the wrapper process dies without passing on a
// signal (SIGKILL, as crash tests and OOM killers send), the child is re-parented; it must not
// train on unseen. Checks the parent pid every 50 ms on this thread (the main thread may be
// inside a long synchronous training step) and kills the whole process when it changes.
import { workerData } from 'node:worker_threads';

const parent = workerData.parent;
const nap = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  Atomics.wait(nap, 0, 0, 50);
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
}
