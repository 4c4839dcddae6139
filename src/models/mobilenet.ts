/** MobileNet v1 (Howard et al. 2017), width multiplier 1.0, 224x224. */
import { act, adaptiveAvgPool, batchNorm, conv, flatten, linear, seq, type Arch } from './arch.js';
import type { ZooEntry } from './entry.js';

/** [input channels, output channels, stride] of each depthwise-separable pair (Table 1). */
const PAIRS: Array<[number, number, number]> = [
  [32, 64, 1], [64, 128, 2], [128, 128, 1], [128, 256, 2], [256, 256, 1], [256, 512, 2],
  [512, 512, 1], [512, 512, 1], [512, 512, 1], [512, 512, 1], [512, 512, 1],
  [512, 1024, 2], [1024, 1024, 1],
];

/** A depthwise 3x3 conv (groups = channels) then a pointwise 1x1 conv, each with BN and ReLU. */
export function depthwiseSeparable(cin: number, cout: number, stride: number): Arch {
  return seq(
    ['dw', conv(cin, cin, 3, { stride, padding: 1, groups: cin, bias: false })], ['dw_bn', batchNorm(cin)], ['dw_relu', act('relu')],
    ['pw', conv(cin, cout, 1, { bias: false })], ['pw_bn', batchNorm(cout)], ['pw_relu', act('relu')],
  );
}

export const mobilenet: ZooEntry = {
  name: 'mobilenet',
  title: 'MobileNet v1 (width 1.0): 3x3 stem + 13 depthwise-separable pairs, global average pool, 1 FC',
  source: 'A. G. Howard et al., "MobileNets: Efficient convolutional neural networks for mobile vision applications", arXiv:1704.04861 (2017), Table 1',
  notes: 'Table 1 lists the last depthwise conv as "s2" but keeps 7x7: it is stride 1, as in every released model. '
    + 'Convs have no bias (batch norm follows); the paper\'s 4.2M parameters and 569M mult-adds count weights and '
    + 'MACs of CONV and FC layers.',
  inputShape: [3, 224, 224],
  numClasses: 1000,
  arch({ inputShape, numClasses }) {
    return seq(
      ['conv1', conv(inputShape[0]!, 32, 3, { stride: 2, padding: 1, bias: false })], ['bn1', batchNorm(32)], ['relu1', act('relu')],
      ...PAIRS.map(([cin, cout, s], i): [string, Arch] => [`block${i + 1}`, depthwiseSeparable(cin, cout, s)]),
      ['avgpool', adaptiveAvgPool(1)], ['flatten', flatten()], ['fc', linear(1024, numClasses)],
    );
  },
};
