/**
 * Memory soak, shared by scripts/soak.ts (thousands of steps) and test/robustness/soak.test.ts
 * (a short version): train the built-in CNN on the Fashion-MNIST sample for many steps, then
 * run many single-image inference calls, on the fast backend, sampling resident memory (RSS),
 * the JS heap, ArrayBuffer memory and the wasm heap every few steps. Users never call dispose,
 * so memory must stay flat: the verdict compares the last sample with the first sample after
 * warm-up.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fit } from '../../src/train/fit.js';
import { makeLoaders, makeModel, makeOptimizer, selectBackend, type TrainSettings } from '../../src/train/setup.js';
import { manualSeed } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/graph.js';
import { Tensor } from '../../src/tensor/tensor.js';

export interface MemorySample { phase: 'train' | 'infer'; step: number; seconds: number; rssMB: number; heapMB: number; arrayBuffersMB: number; wasmMB: number }

export interface SoakOptions {
  trainSteps: number;
  inferCalls: number;
  /** Sample every this many steps / calls. */
  sampleEvery: number;
  /** Samples before this many steps (and calls) are warm-up. */
  warmup: number;
  batchSize?: number;
  backend?: string;
  threads?: number;
  onSample?: (s: MemorySample) => void;
}

export interface SoakResult {
  backend: string;
  samples: MemorySample[];
  /**
   * Per phase: median RSS of the first and last thirds after warm-up, the peak, and the growth in
   * percent; and the growth of the RSS outside the wasm memory (resident tensors fill the wasm
   * heap up to what is held between collections: bounded, but it shows in RSS as pages are touched).
   */
  verdict: Record<'train' | 'infer', { afterWarmupMB: number; lastMB: number; peakMB: number; growthPercent: number; outsideWasmGrowthPercent: number }>;
}

const MB = 2 ** 20;

export async function soak(o: SoakOptions): Promise<SoakResult> {
  const backend = await selectBackend(o.backend, o.threads);
  const wasm = backend === 'wasm' ? await import('../../src/backends/wasm/index.js') : null;
  const t0 = performance.now();
  const samples: MemorySample[] = [];
  const collect = fullGc();
  const sample = (phase: MemorySample['phase'], step: number): void => {
    // A full collection first: RSS then measures what is alive, not garbage the GC has not
    // reached yet — which otherwise swings a short run by more than the 10% a leak must exceed.
    collect();
    const m = process.memoryUsage();
    const s: MemorySample = { phase, step, seconds: (performance.now() - t0) / 1000, rssMB: m.rss / MB, heapMB: m.heapUsed / MB, arrayBuffersMB: m.arrayBuffers / MB, wasmMB: wasm ? wasm.wasmMemoryBytes() / MB : 0 };
    samples.push(s);
    o.onSample?.(s);
  };
  const settings: TrainSettings = {
    model: { name: 'fashion-cnn', activation: 'relu', batchNorm: true }, dataset: 'fashion-mnist', dataDir: 'data/fashion-mnist-sample',
    limit: null, testLimit: 1000, epochs: 1000, batchSize: o.batchSize ?? 16, lr: 0.01, optimizer: 'sgd', momentum: 0.9, weightDecay: 0,
    schedule: 'none', seed: 1, augment: true,
  };
  manualSeed(1);
  const loaders = makeLoaders(settings);
  const model = makeModel(settings);
  const optimizer = makeOptimizer(settings, model);
  sample('train', 0);
  fit(model, { train: loaders.train }, {
    epochs: 1000, optimizer, maxSteps: o.trainSteps, logEvery: 1_000_000,
  }, { onStep: (s) => { if (s.step % o.sampleEvery === 0) sample('train', s.step); } });

  model.eval();
  const images = loaders.testSet;
  noGrad(() => {
    for (let i = 1; i <= o.inferCalls; i++) {
      const ex = images.get((i - 1) % images.length);
      const x = new Tensor(Float32Array.from(ex.image), [1, ...images.imageShape]);
      model.call(x);
      if (i % o.sampleEvery === 0) sample('infer', i);
    }
  });

  const verdict = {} as SoakResult['verdict'];
  for (const phase of ['train', 'infer'] as const) {
    const ps = samples.filter((s) => s.phase === phase);
    // A leak is a trend: compare the median of the first and of the last third of the
    // post-warm-up samples, so one sample caught before the allocator returned pages does not decide.
    const steady = ps.filter((s) => s.step >= o.warmup);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const early = median(steady.slice(0, third).map((s) => s.rssMB));
    const late = median(steady.slice(-third).map((s) => s.rssMB));
    const earlyOutside = median(steady.slice(0, third).map((s) => s.rssMB - s.wasmMB));
    const lateOutside = median(steady.slice(-third).map((s) => s.rssMB - s.wasmMB));
    verdict[phase] = {
      afterWarmupMB: early, lastMB: late, peakMB: Math.max(...ps.map((s) => s.rssMB)), growthPercent: 100 * (late - early) / early,
      outsideWasmGrowthPercent: 100 * (lateOutside - earlyOutside) / earlyOutside,
    };
  }
  return { backend, samples, verdict };
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

/** A function that runs a full garbage collection (V8's gc, exposed at run time). */
function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The samples as CSV. */
export function samplesCsv(samples: readonly MemorySample[]): string {
  return ['phase,step,seconds,rss_mb,heap_mb,array_buffers_mb,wasm_mb',
    ...samples.map((s) => [s.phase, s.step, s.seconds.toFixed(2), s.rssMB.toFixed(1), s.heapMB.toFixed(1), s.arrayBuffersMB.toFixed(1), s.wasmMB.toFixed(1)].join(','))].join('\n') + '\n';
}

/** A small text plot of RSS over the samples (one row per sample group). */
export function rssCurve(samples: readonly MemorySample[], rows = 16, width = 50): string {
  // Bars from 0 MB, so a flat curve looks flat and a leak looks like one.
  const lo = 0, hi = Math.max(...samples.map((s) => s.rssMB));
  const per = Math.max(1, Math.ceil(samples.length / rows));
  const lines: string[] = [];
  for (let i = 0; i < samples.length; i += per) {
    const s = samples[Math.min(samples.length - 1, i + per - 1)]!;
    const bar = '='.repeat(1 + Math.round((width - 1) * (s.rssMB - lo) / Math.max(1e-9, hi - lo)));
    lines.push(`${s.phase.padEnd(5)} ${String(s.step).padStart(6)}  ${s.rssMB.toFixed(0).padStart(5)} MB  ${bar}`);
  }
  return lines.join('\n');
}
