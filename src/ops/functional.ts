/**
 * The functional API, `F`: every op by its PyTorch name in camelCase. Adding an op touches
 * its own module and one line here.
 */
export { add, sub, mul, div, pow, neg, exp, log, sqrt, abs, maximum, minimum } from './elementwise.js';
export { sum, mean, max, argmax } from './reduce.js';
export { reshape, flatten, permute, transpose, slice, unsqueeze, squeeze, concat, stack } from './shape-ops.js';
export { matmul } from './matmul.js';
