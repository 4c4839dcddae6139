/** GoogLeNet / Inception v1 (Szegedy et al. 2014), Table 1. */
import { act, adaptiveAvgPool, concat, conv, dropout, flatten, linear, maxPool, seq, type Arch } from './arch.js';
import type { ZooEntry } from './entry.js';

/**
 * An Inception module: 1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3 max pool -> 1x1, concatenated
 * along channels. Arguments in the order of the paper's Table 1 columns.
 */
export function inception(cin: number, c1: number, c3r: number, c3: number, c5r: number, c5: number, pp: number): Arch {
  return concat([
    ['b1', seq(['conv', conv(cin, c1, 1)], ['relu', act('relu')])],
    ['b2', seq(['reduce', conv(cin, c3r, 1)], ['relu1', act('relu')], ['conv', conv(c3r, c3, 3, { padding: 1 })], ['relu2', act('relu')])],
    ['b3', seq(['reduce', conv(cin, c5r, 1)], ['relu1', act('relu')], ['conv', conv(c5r, c5, 5, { padding: 2 })], ['relu2', act('relu')])],
    ['b4', seq(['pool', maxPool(3, { stride: 1, padding: 1 })], ['proj', conv(cin, pp, 1)], ['relu', act('relu')])],
  ]);
}

export const googlenet: ZooEntry = {
  name: 'googlenet',
  title: 'GoogLeNet (Inception v1): 9 Inception modules, 1x1 reductions, global average pool, 1 FC',
  source: 'C. Szegedy et al., "Going deeper with convolutions", CVPR 2015 (arXiv:1409.4842), Table 1',
  notes: 'No auxiliary classifiers and no local response normalisation (neither counts at inference). Max pools use ceil '
    + 'mode, as the released Caffe model does (this keeps 112->56->28->14->7). Unlike torchvision\'s googlenet (batch '
    + 'norm, a 3x3 conv in the "5x5" branch), the 5x5 branch is a 5x5 conv as in the paper. The final 7x7 average pool '
    + 'is a global (adaptive) average pool, the same at 224x224.',
  inputShape: [3, 224, 224],
  numClasses: 1000,
  arch({ inputShape, numClasses }) {
    const pool = (): Arch => maxPool(3, { stride: 2, ceilMode: true });
    return seq(
      ['conv1', conv(inputShape[0]!, 64, 7, { stride: 2, padding: 3 })], ['relu1', act('relu')], ['pool1', pool()],
      ['conv2_reduce', conv(64, 64, 1)], ['relu2_reduce', act('relu')],
      ['conv2', conv(64, 192, 3, { padding: 1 })], ['relu2', act('relu')], ['pool2', pool()],
      ['inception3a', inception(192, 64, 96, 128, 16, 32, 32)],
      ['inception3b', inception(256, 128, 128, 192, 32, 96, 64)], ['pool3', pool()],
      ['inception4a', inception(480, 192, 96, 208, 16, 48, 64)],
      ['inception4b', inception(512, 160, 112, 224, 24, 64, 64)],
      ['inception4c', inception(512, 128, 128, 256, 24, 64, 64)],
      ['inception4d', inception(512, 112, 144, 288, 32, 64, 64)],
      ['inception4e', inception(528, 256, 160, 320, 32, 128, 128)], ['pool4', pool()],
      ['inception5a', inception(832, 256, 160, 320, 32, 128, 128)],
      ['inception5b', inception(832, 384, 192, 384, 48, 128, 128)],
      ['avgpool', adaptiveAvgPool(1)], ['flatten', flatten()], ['dropout', dropout(0.4)],
      ['fc', linear(1024, numClasses)],
    );
  },
};
