/** LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998). */
import { act, avgPool, conv, flatten, linear, seq } from './arch.js';
import { flatSize, type ZooEntry } from './entry.js';

export const lenet5: ZooEntry = {
  name: 'lenet5',
  title: 'LeNet-5: 3 CONV + 2 FC, tanh, average-pool subsampling',
  source: 'Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to document recognition", Proc. IEEE 86(11), 1998',
  notes: 'C3 is a plain 6->16 5x5 conv (the paper connects each C3 map to a subset of S2 maps: 1,500 weights + 16 biases instead of 2,400 + 16); '
    + 'S2/S4 are 2x2 average pools without the trainable coefficient and bias; the squashing function is plain tanh '
    + '(the paper scales it: 1.7159 tanh(2x/3)); the RBF output layer is an FC layer.',
  inputShape: [1, 32, 32],
  numClasses: 10,
  arch({ inputShape, numClasses }) {
    const features = seq(
      ['c1', conv(inputShape[0]!, 6, 5)], ['act1', act('tanh')], ['s2', avgPool(2)],
      ['c3', conv(6, 16, 5)], ['act3', act('tanh')], ['s4', avgPool(2)],
      ['c5', conv(16, 120, 5)], ['act5', act('tanh')],
    );
    return seq(
      ['features', features], ['flatten', flatten()],
      ['f6', linear(flatSize(features, inputShape), 84)], ['act6', act('tanh')],
      ['output', linear(84, numClasses)],
    );
  },
};

