/**
 * TensorFlow.js 4.22 on its `cpu` backend (plain JavaScript) and its `wasm` backend (XNNPACK,
 * SIMD). TF.js convolutions are NHWC with HWIO filters (its wasm backend accepts nothing else),
 * so operands are converted once, outside the timed call; tensors stay in the backend between
 * calls (as a TF.js user keeps them) and each call ends with dataSync() so the result is in
 * JavaScript, as dnnkit's is. In Node the wasm backend is single-threaded: its threaded build
 * needs browser workers (forcing WASM_HAS_MULTITHREAD_SUPPORT fails to initialise).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LayerCase } from '../cases.js';
import { macsOf } from '../cases.js';
import type { Operands, Pass, Peer, Prepared, TrainStep } from './peer.js';
import { nchwToNhwc, nhwcToNchw, seededArray } from './peer.js';

type TF = typeof import('@tensorflow/tfjs');
let tfPromise: Promise<TF> | null = null;

/** Load TF.js and its wasm backend once, the .wasm files read from node_modules. */
async function loadTf(): Promise<TF> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const tfw = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    tfw.setWasmPaths(`${dir}${path.sep}dist${path.sep}`);
    return tf;
  })();
  return tfPromise;
}

/**
 * TF.js cpu runs only cells below this many MACs (it does well under 1 GFLOP/s): batch 1 of all
 * but VGG and GEMM 1024, batch 32 of the small layers. Larger cells took minutes of the run.
 */
const CPU_MAX_MACS = 2.5e8;
/** TF.js wasm's data gradient runs ~1 GFLOP/s (no XNNPACK path): skip the largest cells. */
const WASM_MAX_INPUT_GRAD_MACS = 2e9;
/** Its Conv2DBackpropFilter indexes through TensorBuffer.get per element: ~3 MFLOP/s. */
const CPU_MAX_FILTER_GRAD_MACS = 2e6;

export function tfjsPeer(backend: 'cpu' | 'wasm'): Peer {
  let tf: TF;
  const activate = async (): Promise<void> => {
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  };
  const hasKernel = (name: string): boolean => tf.getKernel(name, backend) !== undefined;
  return {
    id: `tfjs-${backend}`,
    label: backend === 'cpu' ? 'tfjs cpu' : 'tfjs-wasm 1t',
    async init() {
      try {
        tf = await loadTf();
        // The cpu backend logs a hint to install tfjs-node when it starts; keep the table readable.
        const warn = console.warn;
        console.warn = () => {};
        try {
          if (!(await tf.setBackend(backend))) return `tf.setBackend('${backend}') failed`;
          await tf.ready();
        } finally {
          console.warn = warn;
        }
        if (backend === 'wasm') {
          const threads = (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount();
          if (threads !== 1) this.label = `tfjs-wasm ${threads}t`;
        }
        return null;
      } catch (e) {
        return `TF.js ${backend}: ${(e as Error).message}`;
      }
    },
    activate,
    skip(c, pass, N) {
      if (backend === 'cpu' && macsOf(c, N) > CPU_MAX_MACS) return 'TF.js cpu: too slow for this size';
      if (backend === 'wasm' && pass === 'dI' && macsOf(c, N) > WASM_MAX_INPUT_GRAD_MACS) return 'TF.js wasm: data gradient too slow for this size';
      if (backend === 'cpu' && pass === 'dF' && macsOf(c, N) > CPU_MAX_FILTER_GRAD_MACS) {
        return 'TF.js cpu: its filter gradient reads elements one by one (a few MFLOP/s); only small layers';
      }
      if (c.conv && pass !== 'fwd') {
        const dw = c.conv.groups > 1;
        const kernel = dw ? (pass === 'dI' ? 'DepthwiseConv2dNativeBackpropInput' : 'DepthwiseConv2dNativeBackpropFilter')
          : (pass === 'dI' ? 'Conv2DBackpropInput' : 'Conv2DBackpropFilter');
        if (!hasKernel(kernel)) return `TF.js ${backend} has no ${kernel} kernel`;
      }
      if (c.conv && c.conv.groups > 1 && c.conv.groups !== c.conv.C) return 'TF.js: only depthwise grouping';
      return null;
    },
    async prepare(c, pass, ops) {
      await activate();
      return prepareTf(tf, c, pass, ops);
    },
    async lenetTrainStep(batch) {
      await activate();
      return lenetStep(tf, batch);
    },
  };
}

function prepareTf(tf: TF, c: LayerCase, pass: Pass, ops: Operands): Prepared {
  const held: Array<{ dispose(): void }> = [];
  const keep = <T extends { dispose(): void }>(t: T): T => { held.push(t); return t; };
  const sync = (y: import('@tensorflow/tfjs').Tensor): Float32Array => {
    // Not inside tf.tidy: tidy walks a returned typed array element by element.
    const data = y.dataSync() as Float32Array;
    y.dispose();
    return data;
  };
  if (c.gemm) {
    const { M, K, N } = c.gemm;
    const a = keep(tf.tensor2d(ops.a, [M, K])), b = keep(tf.tensor2d(ops.b, [K, N]));
    const run = (): Float32Array => sync(tf.matMul(a, b));
    return { run, output: run, dispose: () => held.forEach((t) => t.dispose()) };
  }
  const p = ops.conv!;
  const depthwise = p.groups > 1;
  const pad = p.padTop;
  const stride: [number, number] = [p.strideH, p.strideW];
  // Filters [M, C/g, R, S] -> HWIO [R, S, C, M], or [R, S, C, 1] for depthwise.
  const cin = p.C / p.groups, cout = depthwise ? 1 : p.M;
  const hwio = new Float32Array(ops.w.length);
  for (let m = 0; m < p.M; m++) for (let ci = 0; ci < cin; ci++) for (let r = 0; r < p.R; r++) for (let s = 0; s < p.S; s++) {
    const src = ((m * cin + ci) * p.R + r) * p.S + s;
    const dst = depthwise ? ((r * p.S + s) * p.C + m) : (((r * p.S + s) * cin + ci) * cout + m);
    hwio[dst] = ops.w[src]!;
  }
  const filterShape: [number, number, number, number] = depthwise ? [p.R, p.S, p.C, 1] : [p.R, p.S, cin, p.M];
  const w = keep(tf.tensor4d(hwio, filterShape));
  const xShape: [number, number, number, number] = [p.N, p.H, p.W, p.C];
  const dispose = (): void => held.forEach((t) => t.dispose());
  if (pass === 'fwd') {
    const x = keep(tf.tensor4d(nchwToNhwc(ops.x, p.N, p.C, p.H, p.W), xShape));
    const op = (): import('@tensorflow/tfjs').Tensor => (depthwise ? tf.depthwiseConv2d(x, w, stride, pad) : tf.conv2d(x, w, stride, pad));
    const run = (): Float32Array => sync(op());
    return { run, output: () => nhwcToNchw(run(), p.N, p.M, p.P, p.Q), dispose };
  }
  const dy = keep(tf.tensor4d(nchwToNhwc(ops.dy, p.N, p.M, p.P, p.Q), [p.N, p.P, p.Q, p.M]));
  const engine = tf.engine();
  if (pass === 'dI') {
    const kernel = depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput';
    const attrs = { inputShape: xShape, strides: stride, pad, dataFormat: 'NHWC', dilations: [1, 1] };
    const run = (): Float32Array => sync(engine.runKernel(kernel, { dy, filter: w }, attrs as never) as import('@tensorflow/tfjs').Tensor);
    return { run, output: () => nhwcToNchw(run(), p.N, p.C, p.H, p.W), dispose };
  }
  const x = keep(tf.tensor4d(nchwToNhwc(ops.x, p.N, p.C, p.H, p.W), xShape));
  const kernel = depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter';
  const attrs = { filterShape, strides: stride, pad, dataFormat: 'NHWC', dilations: [1, 1] };
  const run = (): Float32Array => sync(engine.runKernel(kernel, { x, dy }, attrs as never) as import('@tensorflow/tfjs').Tensor);
  const output = (): Float32Array => {
    // HWIO back to [M, C/g, R, S].
    const g = run(), out = new Float32Array(g.length);
    for (let m = 0; m < p.M; m++) for (let ci = 0; ci < cin; ci++) for (let r = 0; r < p.R; r++) for (let s = 0; s < p.S; s++) {
      out[((m * cin + ci) * p.R + r) * p.S + s] = g[depthwise ? ((r * p.S + s) * p.C + m) : (((r * p.S + s) * cin + ci) * cout + m)]!;
    }
    return out;
  };
  return { run, output, dispose };
}

/** LeNet-5 as a TF.js layers model (NHWC), momentum SGD; 'cannot train' if a gradient kernel is missing. */
async function lenetStep(tf: TF, batch: number): Promise<TrainStep | string> {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 6, kernelSize: 5, activation: 'tanh' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'tanh' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 120, kernelSize: 5, activation: 'tanh' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 84, activation: 'tanh' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
  const x = tf.tensor4d(seededArray(batch * 32 * 32, 7), [batch, 32, 32, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  const opt = tf.train.momentum(0.01, 0.9);
  const run = (): number => {
    const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as import('@tensorflow/tfjs').Tensor) as import('@tensorflow/tfjs').Scalar, true)!;
    const v = cost.dataSync()[0]!;
    cost.dispose();
    return v;
  };
  const dispose = (): void => { model.dispose(); x.dispose(); y.dispose(); opt.dispose(); };
  try {
    run();
  } catch (e) {
    dispose();
    return `cannot train: ${(e as Error).message.split('\n')[0]}`;
  }
  return { run, dispose };
}
