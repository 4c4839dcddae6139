/**
 * Winograd (F(2x2, 3x3); F(3x3, 2x2) for the filter gradient) against the im2col kernels on the
 * same 3x3 stride-1 layers, forward, data gradient and filter gradient, interleaved in one process (4 rounds, each kernel in turn), so that the
 * machine's drift hits both alike. Prints whole-call GFLOP/s (median of each turn) per round.
 *
 *   node --import tsx bench/winograd-ab.ts [threads=2] [filter...]
 *   node --import tsx bench/winograd-ab.ts 1 fashion resnet
 */
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../src/backends/wasm/conv.js';
import { setConvWinograd } from '../src/backends/wasm/conv-winograd.js';
import { setThreads, waitForThreads } from '../src/backends/wasm/runtime.js';
import type { Conv2dParams } from '../src/einsum/types.js';
import { seededArray } from './peers/peer.js';
import { median } from './timing.js';

const same3x3 = (N: number, C: number, H: number, M: number): Conv2dParams => ({
  N, C, H, W: H, M, R: 3, S: 3, P: H, Q: H, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1,
});

const layers: Array<[string, Conv2dParams]> = [
  ['resnet50-3x3 N=1', same3x3(1, 64, 56, 64)],
  ['resnet50-3x3 N=32', same3x3(32, 64, 56, 64)],
  ['vgg16-conv1_2 N=1', same3x3(1, 64, 224, 64)],
  ['fashion-conv2 N=64', same3x3(64, 32, 14, 64)],
  ['resnet-stage3 N=1', same3x3(1, 128, 28, 128)],
  ['resnet-stage4 N=1', same3x3(1, 256, 14, 256)],
  ['resnet-stage4 N=8', same3x3(8, 256, 14, 256)],
  ['vgg16-conv4_2 N=1', same3x3(1, 512, 28, 512)],
  ['vgg16-conv5_2 N=1', same3x3(1, 512, 14, 512)],
  ['resnet50-stage4-3x3 N=8', same3x3(8, 512, 7, 512)],
];


setThreads(Number(process.argv[2] ?? 2));
waitForThreads();
const filters = process.argv.slice(3);
for (const [name, p] of layers) {
  if (filters.length > 0 && !filters.some((f) => name.includes(f))) continue;
  const x = seededArray(p.N * p.C * p.H * p.W, 1), w = seededArray(p.M * p.C * 9, 2), b = seededArray(p.M, 3);
  const dy = seededArray(p.N * p.M * p.P * p.Q, 4);
  const flops = 2 * p.N * p.M * p.P * p.Q * p.C * 9;
  const results = new Map<string, number[]>();
  for (let round = 0; round < 4; round++) {
    for (const dir of ['fwd', 'dI', 'dF'] as const) {
      for (const winograd of [false, true]) {
        setConvWinograd(winograd);
        const run = dir === 'fwd' ? () => conv2dForward(p, x, w, b) : dir === 'dI' ? () => conv2dBackwardInput(p, dy, w) : () => conv2dBackwardFilter(p, x, dy);
        run(); run();
        const times: number[] = [];
        const t0 = performance.now();
        while (times.length < 5 || (performance.now() - t0 < 400 && times.length < 30)) {
          const a = performance.now();
          run();
          times.push(performance.now() - a);
        }
        const key = `${dir} ${winograd ? 'winograd' : 'im2col'}`;
        results.set(key, [...(results.get(key) ?? []), flops / median(times) / 1e6]);
      }
    }
  }
  setConvWinograd(true);
  console.log(`${name.padEnd(20)} ${[...results].map(([k, v]) => `${k} ${v.map((g) => g.toFixed(0)).join('/')}`).join('  ')}`);
}
