/**
 * dnnkit — deep neural network building blocks in TypeScript.
 * The public surface is deliberately small; everything else is reached through F, nn, optim.
 */
export { Tensor, type NestedArray } from './tensor/tensor.js';
export { tensor, scalar, zeros, ones, full, arange, randn, rand, zerosLike, onesLike } from './tensor/creation.js';
export { manualSeed, Generator } from './tensor/random.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/graph.js';
export { gradcheck } from './autograd/gradcheck.js';
export { setBackend, getBackend, listBackends } from './backends/registry.js';
// Importing the wasm backend registers it (and makes it the default) where it can run.
export { setThreads, getThreads, initWasm, wasmKernels } from './backends/wasm/index.js';
export * as F from './ops/functional.js';
// The einsum engine: `einsum(spec, operands)` plus, under `Einsum`, the parser, loop-nest
// printer, MAC counter, gradient rule and the builders giving each layer's einsum.
export { einsum } from './einsum/index.js';
export * as Einsum from './einsum/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { summary, type Summary, type LayerSummary } from './analysis/summary.js';
export * as zoo from './models/zoo.js';
// ONNX I/O: loadOnnx(path | bytes) -> an eval-mode Module; saveOnnx / toOnnxBytes write one.
export { loadOnnx, loadOnnxBytes } from './io/onnx/load.js';
export { saveOnnx, toOnnxBytes, type SaveOnnxOptions } from './io/onnx/export.js';
export type { OnnxModel } from './io/onnx/model.js';
