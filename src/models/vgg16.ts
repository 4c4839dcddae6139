/** VGG-16 (Simonyan & Zisserman 2014), configuration D. */
import { act, conv, dropout, flatten, linear, maxPool, seq, type NamedArch } from './arch.js';
import { flatSize, type ZooEntry } from './entry.js';

/** Channels of the 3x3 convs per block; each block ends in a 2x2 max pool. */
const BLOCKS = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];

export const vgg16: ZooEntry = {
  name: 'vgg16',
  title: 'VGG-16: 13 CONV (3x3, pad 1) in 5 blocks + 3 FC, ReLU',
  source: 'K. Simonyan, A. Zisserman, "Very deep convolutional networks for large-scale image recognition", ICLR 2015 (arXiv:1409.1556), Table 1 column D',
  notes: 'Same as torchvision vgg16 (without its adaptive average pool, which is the identity at 224x224).',
  inputShape: [3, 224, 224],
  numClasses: 1000,
  arch({ inputShape, numClasses }) {
    const layers: Array<[string, NamedArch['arch']]> = [];
    let c = inputShape[0]!;
    BLOCKS.forEach((block, b) => {
      block.forEach((m, i) => {
        layers.push([`conv${b + 1}_${i + 1}`, conv(c, m, 3, { padding: 1 })], [`relu${b + 1}_${i + 1}`, act('relu')]);
        c = m;
      });
      layers.push([`pool${b + 1}`, maxPool(2)]);
    });
    const features = seq(...layers);
    return seq(
      ['features', features], ['flatten', flatten()],
      ['fc6', linear(flatSize(features, inputShape), 4096)], ['relu6', act('relu')], ['drop6', dropout(0.5)],
      ['fc7', linear(4096, 4096)], ['relu7', act('relu')], ['drop7', dropout(0.5)],
      ['fc8', linear(4096, numClasses)],
    );
  },
};
