/** Worker thread of FuzzWorker (fuzz-engine.ts): runs the targets it is sent and posts the stats of each. */
import { parentPort } from 'node:worker_threads';
import { runTarget, targetByName, type WorkerRequest } from './fuzz-engine.js';

parentPort!.on('message', (req: WorkerRequest) => {
  parentPort!.postMessage(runTarget(targetByName(req.target), { ...req, heartbeat: new Int32Array(req.heartbeat) }));
});
