/** dnnkit's optimizers, schedules and clipping against PyTorch 1.13 (scripts/make-nn-fixtures.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, readJson } from '../helpers.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Parameter } from '../../src/nn/parameter.js';
import * as optim from '../../src/optim/index.js';
import type { Optimizer, BaseOptions } from '../../src/optim/optimizer.js';

interface T { shape: number[]; data: number[] }
const toTensor = (t: T): Tensor => new Tensor(Float32Array.from(t.data), t.shape);
const toParam = (t: T): Parameter => new Parameter(Float32Array.from(t.data), t.shape);

// 1e-6 relative, plus a floor for values that pass near zero (a float32 ulp there is tiny).
const RTOL = 1e-6, ATOL = 1e-7;

interface OptimFixture {
  init: T[]; grads: T[][];
  cases: Array<{ optimizer: 'SGD' | 'Adam' | 'AdamW'; options: Record<string, unknown>; after: T[][] }>;
}

function makeOptimizer(name: string, params: Parameter[], options: Record<string, unknown>): Optimizer<BaseOptions> {
  const o = options as never;
  if (name === 'SGD') return new optim.SGD(params, o);
  if (name === 'Adam') return new optim.Adam(params, o);
  return new optim.AdamW(params, o);
}

const fx = readJson<OptimFixture>('test/fixtures/nn/optim.json');

for (const c of fx.cases) {
  test(`${c.optimizer} ${JSON.stringify(c.options)} matches PyTorch step by step`, () => {
    const params = fx.init.map(toParam);
    const opt = makeOptimizer(c.optimizer, params, c.options);
    c.after.forEach((expected, step) => {
      params.forEach((p, i) => { p.grad = toTensor(fx.grads[step]![i]!); });
      opt.step();
      params.forEach((p, i) => assertClose(p.data, expected[i]!.data, `${c.optimizer} step ${step + 1} param ${i}`, RTOL, ATOL));
    });
  });
}

test('optimizer stateDict/loadStateDict resumes exactly (Adam amsgrad and SGD momentum)', () => {
  for (const c of [fx.cases[2]!, fx.cases[8]!]) {
    const params = fx.init.map(toParam);
    const opt = makeOptimizer(c.optimizer, params, c.options);
    for (let s = 0; s < 3; s++) {
      params.forEach((p, i) => { p.grad = toTensor(fx.grads[s]![i]!); });
      opt.step();
    }
    const saved = JSON.parse(JSON.stringify(opt.stateDict(), (_k, v: unknown) =>
      v instanceof Tensor ? { shape: v.shape, data: Array.from(v.data) } : v)) as optim.OptimizerStateDict;
    // Revive tensors (a checkpoint writer stores them as {shape, data}).
    for (const s of Object.values(saved.state)) {
      for (const [k, v] of Object.entries(s)) if (typeof v === 'object') s[k] = toTensor(v as unknown as T);
    }
    const params2 = params.map((p) => new Parameter(Float32Array.from(p.data), p.shape));
    const opt2 = makeOptimizer(c.optimizer, params2, { ...c.options, lr: 123 });
    opt2.loadStateDict(saved);
    assert.equal(opt2.paramGroups[0]!.lr, c.options.lr);
    for (let s = 3; s < c.after.length; s++) {
      params2.forEach((p, i) => { p.grad = toTensor(fx.grads[s]![i]!); });
      opt2.step();
      params2.forEach((p, i) => assertClose(p.data, c.after[s]![i]!.data, `resumed ${c.optimizer} step ${s + 1}`, RTOL, ATOL));
    }
  }
});

test('param groups: per-group options override the defaults', () => {
  const [a, b] = fx.init.map(toParam) as [Parameter, Parameter];
  const c = fx.cases[1]!; // SGD lr 0.05 momentum 0.9
  const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.05, momentum: 0.9 }], { lr: 0.1 });
  const a2 = toParam(fx.init[0]!);
  const plain = new optim.SGD([a2], { lr: 0.1 });
  for (let s = 0; s < 3; s++) {
    a.grad = toTensor(fx.grads[s]![0]!); b.grad = toTensor(fx.grads[s]![1]!); a2.grad = toTensor(fx.grads[s]![0]!);
    opt.step(); plain.step();
    assertClose(b.data, c.after[s]![1]!.data, `group 2 step ${s + 1}`, RTOL, ATOL);
    assertClose(a.data, a2.data, `group 1 step ${s + 1}`, 0, 0);
  }
  assert.equal(opt.stateDict().paramGroups[1]!.momentum, 0.9);
});

interface ScheduleFixture {
  cases: Array<{ name: string; optimizer: 'SGD' | 'Adam'; options: Record<string, unknown>; values: Array<{ lr: number; momentum: number }> }>;
}

function makeSchedule(name: string, opt: Optimizer<BaseOptions>, options: Record<string, unknown>): optim.LRScheduler {
  const o = options as never;
  switch (name) {
    case 'StepLR': return new optim.StepLR(opt, o);
    case 'CosineAnnealingLR': return new optim.CosineAnnealingLR(opt, o);
    case 'LinearLR': return new optim.LinearLR(opt, o);
    case 'LinearWarmup': return new optim.LinearWarmup(opt, o);
    case 'OneCycleLR': return new optim.OneCycleLR(opt, o);
    case 'SequentialLR': {
      const { schedules, milestones } = options as { schedules: Array<{ name: string; options: Record<string, unknown> }>; milestones: number[] };
      return new optim.SequentialLR(opt, schedules.map((s) => makeSchedule(s.name, opt, s.options)), milestones);
    }
    default: throw new Error(`unknown schedule ${name}`);
  }
}

const sx = readJson<ScheduleFixture>('test/fixtures/nn/schedules.json');

for (const c of sx.cases) {
  test(`${c.name} ${JSON.stringify(c.options)} with ${c.optimizer} gives PyTorch's lr and momentum at every step`, () => {
    const p = new Parameter(new Float32Array(1), [1]);
    const opt = c.optimizer === 'SGD' ? new optim.SGD([p], { lr: 0.1, momentum: 0.9 }) : new optim.Adam([p], { lr: 0.1 });
    const sched = makeSchedule(c.name, opt, c.options);
    const momentumOf = (): number => {
      const g = opt.paramGroups[0] as unknown as { momentum?: number; betas?: number[] };
      return g.betas ? g.betas[0]! : g.momentum!;
    };
    c.values.forEach((v, step) => {
      if (step > 0) {
        p.grad = new Tensor(Float32Array.of(1), [1]);
        opt.step();
        sched.step();
      }
      assertClose([opt.paramGroups[0]!.lr], [v.lr], `${c.name} lr at step ${step}`, 1e-9, 1e-15);
      assertClose([momentumOf()], [v.momentum], `${c.name} momentum at step ${step}`, 1e-9, 1e-15);
      assert.equal(sched.getLastLr()[0], opt.paramGroups[0]!.lr);
    });
  });
}

test('a schedule resumes from its stateDict (with the optimizer state)', () => {
  const c = sx.cases.find((x) => x.name === 'CosineAnnealingLR')!;
  const p = new Parameter(new Float32Array(1), [1]);
  const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
  const sched = new optim.CosineAnnealingLR(opt, c.options as never);
  for (let i = 0; i < 7; i++) sched.step();
  const sState = JSON.parse(JSON.stringify(sched.stateDict())) as optim.SchedulerStateDict;
  const oState = opt.stateDict();
  const opt2 = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
  const sched2 = new optim.CosineAnnealingLR(opt2, c.options as never);
  opt2.loadStateDict(oState);
  sched2.loadStateDict(sState);
  for (let i = 8; i < c.values.length; i++) {
    sched2.step();
    assertClose([opt2.paramGroups[0]!.lr], [c.values[i]!.lr], `resumed lr at step ${i}`, 1e-9, 1e-15);
  }
});

test('SequentialLR resumes from its stateDict', () => {
  const c = sx.cases.find((x) => x.name === 'SequentialLR' && x.optimizer === 'Adam')!;
  const build = (): [optim.Adam, optim.LRScheduler] => {
    const p = new Parameter(new Float32Array(1), [1]);
    const opt = new optim.Adam([p], { lr: 0.1 });
    return [opt, makeSchedule(c.name, opt, c.options)];
  };
  const [opt, sched] = build();
  for (let i = 0; i < 5; i++) sched.step();
  const sState = JSON.parse(JSON.stringify(sched.stateDict())) as optim.SchedulerStateDict;
  const oState = opt.stateDict();
  const [opt2, sched2] = build();
  opt2.loadStateDict(oState);
  sched2.loadStateDict(sState);
  for (let i = 6; i < c.values.length; i++) {
    sched2.step();
    assertClose([opt2.paramGroups[0]!.lr], [c.values[i]!.lr], `resumed lr at step ${i}`, 1e-9, 1e-15);
  }
});

test('OneCycleLR refuses to step past totalSteps and needs a momentum to cycle', () => {
  const p = new Parameter(new Float32Array(1), [1]);
  const sched = new optim.OneCycleLR(new optim.SGD([p], { lr: 0.1, momentum: 0.9 }), { maxLr: 1, totalSteps: 2 });
  sched.step(); sched.step();
  assert.throws(() => sched.step(), /OneCycleLR: tried to step 3 times; the schedule has totalSteps = 2/);
  assert.throws(() => new optim.OneCycleLR(new optim.SGD([p], { lr: 0.1 }), { maxLr: 1 }), /give totalSteps/);
});

interface ClipFixture {
  params: T[]; grads: T[];
  norm: Array<{ maxNorm: number; normType: number | 'inf'; total: number; grads: T[] }>;
  agc: Array<{ clipping: number; eps: number; grads: T[] }>;
}
const cx = readJson<ClipFixture>('test/fixtures/nn/clip.json');

function withGrads(): Parameter[] {
  return cx.params.map((p, i) => {
    const q = toParam(p);
    q.grad = toTensor(cx.grads[i]!);
    return q;
  });
}

for (const c of cx.norm) {
  test(`clipGradNorm(maxNorm ${c.maxNorm}, normType ${c.normType}) matches clip_grad_norm_`, () => {
    const ps = withGrads();
    const total = optim.clipGradNorm(ps, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
    assertClose([total], [c.total], 'total norm', 1e-6, 0);
    ps.forEach((p, i) => assertClose(p.grad!.data, c.grads[i]!.data, `clipped grad ${i}`, RTOL, 1e-9));
  });
}

for (const c of cx.agc) {
  test(`clipGradAgc(clipping ${c.clipping}, eps ${c.eps}) matches the NFNet reference (timm)`, () => {
    const ps = withGrads();
    optim.clipGradAgc(ps, { clipping: c.clipping, eps: c.eps });
    ps.forEach((p, i) => assertClose(p.grad!.data, c.grads[i]!.data, `AGC grad ${i}`, RTOL, 1e-9));
    // The fixture must exercise both branches: some units clipped, some left alone.
    const changed = ps.map((p, i) => p.grad!.data.some((v, j) => v !== cx.grads[i]!.data[j]));
    assert.ok(changed.some((x) => x), 'some gradient was clipped');
  });
}

test('AGC as an optimizer option equals clipping then stepping', () => {
  const c = cx.agc[1]!;
  const ps = withGrads();
  new optim.SGD(ps, { lr: 0.1, agc: { clipping: c.clipping, eps: c.eps } }).step();
  ps.forEach((p, i) => {
    const expected = cx.params[i]!.data.map((w, j) => Math.fround(w + Math.fround(Math.fround(-0.1) * c.grads[i]!.data[j]!)));
    assertClose(p.data, expected, `param ${i}`, RTOL, 1e-9);
  });
});
