/**
 * Zoo entries for the networks the training commands use ('fashion-cnn', 'autoencoder'),
 * defined as nn code in src/train/default-model.ts; the zoo describes the module they build,
 * so there is one definition.
 */
import { describeModule } from '../analysis/describe-module.js';
import { autoencoder, fashionCnn } from '../train/default-model.js';
import type { ZooEntry } from './entry.js';

function square(name: string, inputShape: readonly number[]): { inChannels: number; imageSize: number } {
  if (inputShape[1] !== inputShape[2]) throw new Error(`${name}: input must be square, got ${inputShape.join('x')}`);
  return { inChannels: inputShape[0]!, imageSize: inputShape[1]! };
}

export const fashionCnnEntry: ZooEntry = {
  name: 'fashion-cnn',
  title: 'The default training CNN for 28x28 images: 2 x (3x3 CONV - BN - ReLU - 2x2 max pool), FC 128, FC 10',
  source: 'dnnkit src/train/default-model.ts (the PyTorch anchor network of `dnnkit train`)',
  inputShape: [1, 28, 28],
  numClasses: 10,
  create: ({ inputShape, numClasses }) => fashionCnn({ ...square('fashion-cnn', inputShape), numClasses }),
  arch: (options) => describeModule(fashionCnnEntry.create!(options)),
};

export const autoencoderEntry: ZooEntry = {
  name: 'autoencoder',
  title: 'Convolutional autoencoder for 28x28: 2 x (CONV - ReLU - max pool), 2 x (nearest upsample - CONV), sigmoid',
  source: 'dnnkit src/train/default-model.ts (the network of `dnnkit experiment autoencoder`)',
  notes: 'numClasses does not apply: the output is an image of the input\'s shape.',
  inputShape: [1, 28, 28],
  numClasses: 1,
  create: ({ inputShape }) => autoencoder(square('autoencoder', inputShape)),
  arch: (options) => describeModule(autoencoderEntry.create!(options)),
};
