/**
 * Where a training step of the default Fashion-MNIST CNN spends its time, per backend kernel:
 * wraps every method of the active backend with a timer, runs a few forward+backward steps.
 *
 *   node --import tsx bench/train-step-profile.ts [batch=128] [threads]
 *   BACKEND=reference MODEL=autoencoder node --import tsx bench/train-step-profile.ts 64
 *   MODEL=lenet5 node --import tsx bench/train-step-profile.ts 64 1
 *
 * A step includes zeroGrad and an SGD (momentum) update, as a training step does.
 */
import { randn, getBackend, setBackend, F, optim, type Tensor } from '../src/index.js';
import { setThreads } from '../src/backends/wasm/runtime.js';
import { autoencoder, fashionCnn } from '../src/train/default-model.js';
import { create } from '../src/models/zoo.js';
import type { Backend } from '../src/backends/backend.js';
import type { BoundEinsum } from '../src/einsum/types.js';

/** Steps run before timing (see the note at the warm-up). */
const WARMUP_STEPS = 20;
const batch = Number(process.argv[2] ?? 128);
if (process.env['BACKEND']) setBackend(process.env['BACKEND']);
if (process.argv[3]) setThreads(Number(process.argv[3]));
const backend = getBackend() as unknown as Record<string, unknown>;
const times = new Map<string, { ms: number; cpu: number; calls: number }>();
for (const key of Object.keys(backend)) {
  const f = backend[key];
  if (typeof f !== 'function') continue;
  backend[key] = (...args: unknown[]) => {
    const label = key === 'contract' ? `contract ${(args[0] as BoundEinsum).kind} -> ${String(args[1])}` : key === 'unary' || key === 'unaryGrad' || key === 'binary' ? `${key} ${String(args[0])}` : key;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const out = (f as (...a: unknown[]) => unknown)(...args);
    const c = process.cpuUsage(c0);
    const e = times.get(label) ?? { ms: 0, cpu: 0, calls: 0 };
    e.ms += performance.now() - t0; e.cpu += (c.user + c.system) / 1000; e.calls++;
    times.set(label, e);
    return out;
  };
}

const which = process.env['MODEL'] ?? 'fashion-cnn';
const model = which === 'autoencoder' ? autoencoder() : which === 'lenet5' ? create('lenet5') : fashionCnn();
model.train();
const x = randn(which === 'lenet5' ? [batch, 1, 32, 32] : [batch, 1, 28, 28]);
const targets = Array.from({ length: batch }, (_, i) => i % 10);
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const step = (): void => {
  opt.zeroGrad();
  const out = model.forward(x) as Tensor;
  const loss = out.shape.length === 4 ? F.mseLoss(out, x) : F.crossEntropy(out, targets);
  loss.backward();
  opt.step();
};
// A process's first ~15 steps run 2-3x slower: their fresh result arrays fault their pages in
// (~12 us per 4 KB here) until garbage collection lets malloc reuse freed ones, and the JIT
// warms up. Measuring from step 3 made LeNet-5 look 17 ms per step instead of 7 (5 steps).
for (let i = 0; i < WARMUP_STEPS; i++) step();
times.clear();
const steps = Number(process.env['STEPS'] ?? 5);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const total = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(cpu0);
console.log(`backend ${(getBackend() as Backend).name}, batch ${batch}: ${total.toFixed(1)} ms per step ` +
  `(CPU ${((cpu.user + cpu.system) / 1000 / steps).toFixed(1)} ms of which system ${(cpu.system / 1000 / steps).toFixed(1)} ms)`);
// CPU time (all threads of the process) is the steadier measure on a shared machine.
const rows = [...times.entries()].sort((a, b) => b[1].cpu - a[1].cpu);
console.log(`${'kernel'.padEnd(40)} ${'wall ms'.padStart(8)}      ${'CPU ms'.padStart(8)}`);
let inKernels = 0;
for (const [k, v] of rows) {
  inKernels += v.ms;
  console.log(`${k.padEnd(40)} ${(v.ms / steps).toFixed(2).padStart(8)} ms  ${(v.cpu / steps).toFixed(2).padStart(8)} ms`);
}
console.log(`${'outside backend kernels'.padEnd(40)} ${(total - inKernels / steps).toFixed(2).padStart(8)} ms`);
