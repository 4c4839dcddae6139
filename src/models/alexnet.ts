/** AlexNet (Krizhevsky, Sutskever, Hinton 2012), as in the paper: two groups. */
import { act, conv, dropout, flatten, linear, maxPool, seq } from './arch.js';
import { flatSize, type ZooEntry } from './entry.js';

export const alexnet: ZooEntry = {
  name: 'alexnet',
  title: 'AlexNet: 5 CONV + 3 FC, ReLU, overlapping max pooling, CONV2/4/5 split in 2 groups',
  source: 'A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet classification with deep convolutional neural networks", NIPS 2012',
  notes: 'Local response normalisation after CONV1/CONV2 is omitted (it has no weights and no MACs; later work found it '
    + 'unhelpful). The input is 227x227, the size that makes the paper\'s 55x55 CONV1 output come out (the paper says 224). '
    + 'The two-GPU split is groups=2 on CONV2, CONV4, CONV5; CONV3 and the FC layers see both halves.',
  inputShape: [3, 227, 227],
  numClasses: 1000,
  arch({ inputShape, numClasses }) {
    const features = seq(
      ['conv1', conv(inputShape[0]!, 96, 11, { stride: 4 })], ['relu1', act('relu')], ['pool1', maxPool(3, { stride: 2 })],
      ['conv2', conv(96, 256, 5, { padding: 2, groups: 2 })], ['relu2', act('relu')], ['pool2', maxPool(3, { stride: 2 })],
      ['conv3', conv(256, 384, 3, { padding: 1 })], ['relu3', act('relu')],
      ['conv4', conv(384, 384, 3, { padding: 1, groups: 2 })], ['relu4', act('relu')],
      ['conv5', conv(384, 256, 3, { padding: 1, groups: 2 })], ['relu5', act('relu')], ['pool5', maxPool(3, { stride: 2 })],
    );
    return seq(
      ['features', features], ['flatten', flatten()],
      ['drop6', dropout(0.5)], ['fc6', linear(flatSize(features, inputShape), 4096)], ['relu6', act('relu')],
      ['drop7', dropout(0.5)], ['fc7', linear(4096, 4096)], ['relu7', act('relu')],
      ['fc8', linear(4096, numClasses)],
    );
  },
};
