// The dnnkit WebAssembly kernels (SIMD128). Every export works on raw pointers into the
// (shared) memory the host imports; the host owns all allocation (see src/backends/wasm).

export { f32_gemm, f32_gemm_strided, gemmScratchBytes } from './gemm';
export { conv2d_pack_filter, conv2d_forward, conv2d_forward_streamed, conv2d_backward_input, conv2d_backward_filter,
  conv2d_backward_bias, convScratchBytes, convForwardMaxPixels, convForwardKStep,
  convForwardStreamBlocks } from './conv';

/** First byte the host may use: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return (__heap_base + 65535) & ~<usize>65535;
}
export { dwconv2d_forward, dwconv2d_backward_input, dwconv2d_backward_filter } from './depthwise';
export { f32_relu, f32_relu_grad, f32_relu6, f32_relu6_grad } from './elementwise';
export { bn_train_forward, bn_apply, bn_backward, bn_relu_maxpool2x2, bn_relu_maxpool2x2_backward } from './batchnorm';
export { f32_maxpool2x2, f32_avgpool2x2, f32_avgpool2x2_backward } from './pool';
export { f32_tanh, f32_tanh_grad } from './tanh';
export { conv2d_direct_forward, conv2d_direct_backward_filter, conv2d_direct_backward_input, conv2d_direct_backward } from './conv-direct';
export { f32_avgpool2x2_tanh_backward } from './tanh-pool';
export { winograd_pack_filter, conv2d_winograd, winogradRowColumns, winogradFilterBytes, winogradScratchBytes } from './winograd';
export { conv2d_winograd_backward_filter, winograd_filter_finish, winogradFilterPartialFloats, winogradFilterScratchBytes } from './winograd-filter';
