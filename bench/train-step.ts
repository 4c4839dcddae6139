/**
 * CPU time of one whole training step (forward, cross-entropy, backward, SGD with Nesterov
 * momentum, zeroGrad) for the default Fashion-MNIST CNN and LeNet-5, as the median of several
 * steps, with images/s derived from it. CPU time (process.cpuUsage, all threads) is steadier
 * than wall time on a shared machine; wall time is printed beside it.
 *
 *   node --import tsx bench/train-step.ts [batch=64] [threads=1] [steps=15]
 *   BACKEND=reference node --import tsx bench/train-step.ts 64 1 3
 */
import { randn, getBackend, setBackend, F, optim, type Tensor } from '../src/index.js';
import { setThreads, waitForThreads } from '../src/backends/wasm/runtime.js';
import { fashionCnn } from '../src/train/default-model.js';
import { create } from '../src/models/zoo.js';
import type { Module } from '../src/nn/index.js';

/** Steps run before timing (see the note at the warm-up). */
const WARMUP_STEPS = 20;
const batch = Number(process.argv[2] ?? 64);
const threads = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 15);
if (process.env['BACKEND']) setBackend(process.env['BACKEND']);
setThreads(threads);
if (getBackend().name === 'wasm' && threads > 1) waitForThreads(5000);

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function measure(name: string, model: Module, inputShape: number[]): void {
  model.train();
  const x = randn([batch, ...inputShape]);
  const targets = Array.from({ length: batch }, (_, i) => i % 10);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, nesterov: true });
  const step = (): void => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x) as Tensor, targets);
    loss.backward();
    opt.step();
  };
  // A process's first ~15 steps run 2-3x slower: their fresh result arrays fault their pages in
  // (~12 us per 4 KB here) until garbage collection lets malloc reuse freed ones, and the JIT
  // warms up. Measuring from step 3 made LeNet-5 look 17 ms per step instead of 7 (5 steps).
  for (let i = 0; i < WARMUP_STEPS; i++) step();
  const cpu: number[] = [], sys: number[] = [], wall: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    step();
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0); cpu.push((c.user + c.system) / 1000); sys.push(c.system / 1000);
  }
  const ms = median(cpu);
  console.log(`${name.padEnd(12)} batch ${batch}, ${getBackend().name} x${threads}: CPU ${ms.toFixed(1)} ms/step ` +
    `(system ${median(sys).toFixed(1)}), ${(batch / ms * 1000).toFixed(0)} images/s of CPU; wall ${median(wall).toFixed(1)} ms`);
}

const only = process.env['MODEL'];
if (!only || only === 'fashion-cnn') measure('fashion-cnn', fashionCnn(), [1, 28, 28]);
if (!only || only === 'lenet5') measure('lenet5', create('lenet5'), [1, 32, 32]);
