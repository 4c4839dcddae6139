/**
 * Pipelining a kernel call over a batch: the images are cut into stages, and while the worker
 * threads compute one stage the calling thread copies the next stage's operands into wasm
 * memory and the previous stage's result out (runtime.ts `Stage`). Copies otherwise run
 * serially with the compute: for a ResNet-50 1x1 conv at N=32 they were ~20 % of the call.
 */
import { uninitializedFloat32 } from './arena.js';
import { splitRange, type Prepared, type Runtime, type Stage } from './runtime.js';

/**
 * Calls moving fewer bytes than this run as one stage. A stage costs a worker wake-up and a
 * barrier (~0.1 ms here) and hides ~3/4 of its copies: the fashion-cnn's conv2 at batch 64
 * (4.8 MB, ~8 ms) ran 5 % slower in 8 stages, ResNet-50's 1x1 at N=32 (128 MB, ~40 ms) 0-5 % faster
 * (bench/overlap-ab.ts).
 */
let minBytes = 32 << 20;

/** Tests set 0 so that small shapes run pipelined too. */
export function setPipelineMinBytes(bytes: number): void {
  minBytes = bytes;
}

/** Bytes a call must copy in and out to be pipelined. */
export function pipelineMinBytes(): number {
  return minBytes;
}

/** At most this many stages (the first copy-in and the last copy-out stay exposed: 2 / stages). */
const MAX_STAGES = 8;

/** A call over a batch: `N` images of `inPer` input floats and `outPer` result floats, on `T` threads. */
export interface BatchCall { N: number; T: number; input: Float32Array; inPer: number; outPer: number }

/**
 * The call's plan for a kernel over whole images: `kernel(n0, n, inAt, outAt)` gives the kernel
 * and per-thread arguments for images [n0, n0 + n), whose input starts at byte offset inAt and
 * result at outAt. When copies are large and threads several, the batch is cut into stages
 * whose copies overlap the other stages' compute (runtime.ts `Stage`); images are independent,
 * so the result does not depend on the cut. Otherwise the input is copied now and the kernel
 * runs once over the batch, after `before`.
 */
export function batchPipeline(r: Runtime, c: BatchCall, before: Array<[string, number[][]]>,
  kernel: (n0: number, n: number, inAt: number, outAt: number) => [string, number[][]]): Prepared<Float32Array> {
  const { N, inPer, outPer, input } = c;
  // A resident input is read in place and a resident result not copied out: then the stages
  // only overlap what copies remain.
  const { at: inp, resident } = r.arena.place(input);
  const outp = r.arena.alloc(N * outPer * 4);
  const keep = r.arena.keepsResult(outp, N * outPer);
  const ranges = pipelined(c) && !(resident && keep) ? stageRanges(N) : [[0, N] as [number, number]];
  const slice = (a: number, z: number): [string, number[][]] => kernel(a, z - a, inp + a * inPer * 4, outp + a * outPer * 4);
  if (ranges.length === 1) {
    if (!resident) r.arena.view().set(input, inp >> 2);
    return { steps: [...before, slice(0, N)], finish: () => r.arena.take(outp, N * outPer) };
  }
  const out = keep ? null : uninitializedFloat32(N * outPer);
  const stages = ranges.map(([a, z]): Stage => ({
    kernel: slice(a, z),
    copyIn: () => { if (!resident) r.arena.view().set(input.subarray(a * inPer, z * inPer), (inp >> 2) + a * inPer); },
    copyOut: () => out?.set(r.arena.view().subarray((outp >> 2) + a * outPer, (outp >> 2) + z * outPer), a * outPer),
  }));
  return { steps: before, stages, finish: () => out ?? r.arena.take(outp, N * outPer) };
}

/** Whether batchPipeline cuts this call into stages (several threads, images and enough bytes). */
export function pipelined(c: BatchCall): boolean {
  return c.T >= 2 && c.N >= 2 && (c.input.length + c.N * c.outPer) * 4 >= minBytes;
}

/**
 * The stages' image ranges: the first and the last stage one image each (their copy-in and
 * copy-out are the ones not overlapped), the images between in MAX_STAGES - 2 stages.
 */
function stageRanges(N: number): Array<[number, number]> {
  if (N < 4) return splitRange(N, N);
  const middle = splitRange(N - 2, Math.min(N - 2, MAX_STAGES - 2)).map(([a, z]): [number, number] => [a + 1, z + 1]);
  return [[0, 1], ...middle, [N - 1, N]];
}
