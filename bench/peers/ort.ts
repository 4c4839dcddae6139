/**
 * ONNX Runtime: onnxruntime-web (wasm, SIMD, 2 threads) and, when it is installed (it is not a
 * dependency: `npm install --no-save --ignore-scripts onnxruntime-node`), onnxruntime-node
 * (native, 2 intra-op threads). Each layer is a one-node model (bench/onnx-models.ts); a call
 * is session.run with the input already an ort.Tensor, ending with the output in JavaScript.
 * ONNX Runtime has no training API here, so it runs forward passes only.
 */
import { convModel, matmulModel } from '../onnx-models.js';
import type { Operands, Peer, Prepared } from './peer.js';

type Ort = typeof import('onnxruntime-web');

export function ortPeer(flavor: 'web' | 'node', threads = 2): Peer {
  let ort: Ort;
  return {
    id: `ort-${flavor}-${threads}t`,
    label: `ort-${flavor} ${threads}t`,
    async init() {
      try {
        if (flavor === 'web') {
          ort = await import('onnxruntime-web');
          // Global and fixed at the first session: one thread count per process.
          ort.env.wasm.numThreads = threads;
          ort.env.wasm.simd = true;
        } else {
          const name = 'onnxruntime-node'; // not a dependency: resolved at run time only
          ort = (await import(name)) as Ort;
        }
        ort.env.logLevel = 'error';
        // Creating one session loads (and for web compiles) the runtime: fail here, not in a cell.
        await (await ort.InferenceSession.create(matmulModel(2, 2, 2), sessionOptions(flavor, threads))).release();
        return null;
      } catch (e) {
        const msg = (e as Error).message.split('\n')[0]!;
        return flavor === 'node' && /Cannot find (module|package)/.test(msg)
          ? 'onnxruntime-node not installed (npm install --no-save --ignore-scripts onnxruntime-node)'
          : `onnxruntime-${flavor}: ${msg}`;
      }
    },
    skip(_c, pass) {
      return pass === 'fwd' ? null : 'ONNX Runtime: inference only';
    },
    async prepare(c, _pass, ops) {
      return prepareOrt(ort, flavor, threads, c.gemm, ops);
    },
  };
}

function sessionOptions(flavor: 'web' | 'node', threads: number): import('onnxruntime-web').InferenceSession.SessionOptions {
  return flavor === 'web'
    ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
    : { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1 };
}

async function prepareOrt(ort: Ort, flavor: 'web' | 'node', threads: number,
                          gemm: { M: number; K: number; N: number } | undefined, ops: Operands): Promise<Prepared> {
  let bytes: Uint8Array;
  let feeds: Record<string, import('onnxruntime-web').Tensor>;
  if (gemm) {
    bytes = matmulModel(gemm.M, gemm.K, gemm.N);
    feeds = { A: new ort.Tensor('float32', ops.a, [gemm.M, gemm.K]), B: new ort.Tensor('float32', ops.b, [gemm.K, gemm.N]) };
  } else {
    const p = ops.conv!;
    bytes = convModel(p, ops.w);
    feeds = { X: new ort.Tensor('float32', ops.x, [p.N, p.C, p.H, p.W]) };
  }
  const session = await ort.InferenceSession.create(bytes, sessionOptions(flavor, threads));
  const run = async (): Promise<Float32Array> => (await session.run(feeds))['Y']!.data as Float32Array;
  return { run, output: run, dispose: () => session.release() };
}
