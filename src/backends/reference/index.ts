/**
 * The reference backend: every kernel in plain, readable loops. It is the specification the
 * fast backends are tested against — a case a fast kernel lacks falls back here, never fails.
 */
import type { Backend } from '../backend.js';
import { referenceContract } from './contract.js';
import { binary, unary, unaryGrad } from './elementwise.js';
import { maxPool2d, maxPool2dBackward } from './max-pool.js';
import {
  batchNormApply, batchNormBackward, batchNormReluMaxPool, batchNormReluMaxPoolBackward, batchNormTraining, channelMoments, sum,
} from './reduce.js';

export const reference: Backend = {
  name: 'reference',
  contract: referenceContract,
  maxPool2d,
  maxPool2dBackward,
  unary,
  unaryGrad,
  binary,
  sum,
  channelMoments,
  batchNormTraining,
  batchNormReluMaxPool,
  batchNormReluMaxPoolBackward,
  batchNormApply,
  batchNormBackward,
};
