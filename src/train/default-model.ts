/**
 * The built-in models the training commands use, rebuilt from a plain config (which is what a
 * checkpoint stores, so eval/predict/export can reconstruct the model):
 *
 * - 'fashion-cnn': the small CNN for 28×28 images (the PyTorch anchor, as nn.Sequential):
 *     conv3×3·32 (pad 1) - BN - act - maxpool 2   -> 32×14×14
 *     conv3×3·64 (pad 1) - BN - act - maxpool 2   -> 64×7×7
 *     flatten - FC 3136→128 - act - FC 128→10
 *   ≈ 421k weights, ≈ 4.3M MACs per image. stateDict keys are PyTorch's ('0.weight', ...).
 * - 'autoencoder': a convolutional autoencoder for 28×28:
 *     encoder conv3×3·16 - act - maxpool 2 - conv3×3·32 - act - maxpool 2   -> 32×7×7
 *     decoder upsample ×2 - conv3×3·16 - act - upsample ×2 - conv3×3·1 - sigmoid
 *   with upsampling by 'nearest' (repeat) or 'zeros' (zero insertion: the conv after it is
 *   then a transposed convolution).
 */
import {
  BatchNorm2d, Conv2d, ELU, Flatten, Hardswish, LeakyReLU, Linear, MaxPool2d, ReLU, ReLU6, Sequential,
  Sigmoid, SiLU, Tanh, Upsample, type Module,
} from '../nn/index.js';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'elu', 'silu', 'relu6', 'hardswish'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export interface FashionCnnConfig {
  name: 'fashion-cnn';
  activation?: ActivationName;
  batchNorm?: boolean;
  inChannels?: number;
  imageSize?: number;
  numClasses?: number;
}

export interface AutoencoderConfig {
  name: 'autoencoder';
  activation?: ActivationName;
  upsampleMode?: 'nearest' | 'zeros';
  inChannels?: number;
  imageSize?: number;
}

export type ModelConfig = FashionCnnConfig | AutoencoderConfig;

export const MODEL_NAMES = ['fashion-cnn', 'autoencoder'] as const;

/** A fresh activation module by name. @example makeActivation('tanh') */
export function makeActivation(name: ActivationName): Module {
  switch (name) {
    case 'relu': return new ReLU();
    case 'tanh': return new Tanh();
    case 'sigmoid': return new Sigmoid();
    case 'leakyRelu': return new LeakyReLU(0.01);
    case 'elu': return new ELU(1);
    case 'silu': return new SiLU();
    case 'relu6': return new ReLU6();
    case 'hardswish': return new Hardswish();
    default: throw new Error(`activation: unknown activation '${String(name)}'; available: ${ACTIVATIONS.join(', ')}`);
  }
}

function checkConfigInt(v: number, what: string, where: string, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${where}: ${what} must be an integer >= ${min}, got ${v}`);
}

/**
 * The default CNN (see the file comment); weights drawn from the global generator.
 * @example manualSeed(0); const net = fashionCnn({ name: 'fashion-cnn', activation: 'tanh' });
 */
export function fashionCnn(config: Partial<FashionCnnConfig> = {}): Sequential {
  const { activation = 'relu', batchNorm = true, inChannels = 1, imageSize = 28, numClasses = 10 } = config;
  checkConfigInt(imageSize, 'imageSize', 'fashion-cnn', 4);
  checkConfigInt(inChannels, 'inChannels', 'fashion-cnn');
  checkConfigInt(numClasses, 'numClasses', 'fashion-cnn', 2);
  const side = Math.floor(Math.floor(imageSize / 2) / 2);
  const block = (cin: number, cout: number): Module[] => [
    // Without batch norm the conv needs its own bias; with it the bias would be cancelled.
    new Conv2d(cin, cout, 3, { padding: 1, bias: !batchNorm }),
    ...(batchNorm ? [new BatchNorm2d(cout)] : []),
    makeActivation(activation),
    new MaxPool2d(2),
  ];
  return new Sequential(
    ...block(inChannels, 32),
    ...block(32, 64),
    new Flatten(),
    new Linear(64 * side * side, 128),
    makeActivation(activation),
    new Linear(128, numClasses),
  );
}

/**
 * The convolutional autoencoder (see the file comment): [N,1,28,28] -> [N,1,28,28] in (0, 1).
 * @example const ae = autoencoder({ name: 'autoencoder', upsampleMode: 'zeros' });
 */
export function autoencoder(config: Partial<AutoencoderConfig> = {}): Sequential {
  const { activation = 'relu', upsampleMode = 'nearest', inChannels = 1, imageSize = 28 } = config;
  checkConfigInt(inChannels, 'inChannels', 'autoencoder');
  if (imageSize % 4 !== 0) throw new Error(`autoencoder: imageSize must be a multiple of 4 (two 2× poolings), got ${imageSize}`);
  if (upsampleMode !== 'nearest' && upsampleMode !== 'zeros') throw new Error(`autoencoder: upsampleMode must be 'nearest' or 'zeros', got '${String(upsampleMode)}'`);
  return new Sequential({
    encoder: new Sequential(
      new Conv2d(inChannels, 16, 3, { padding: 1 }), makeActivation(activation), new MaxPool2d(2),
      new Conv2d(16, 32, 3, { padding: 1 }), makeActivation(activation), new MaxPool2d(2),
    ),
    decoder: new Sequential(
      new Upsample({ scaleFactor: 2, mode: upsampleMode }),
      new Conv2d(32, 16, 3, { padding: 1 }), makeActivation(activation),
      new Upsample({ scaleFactor: 2, mode: upsampleMode }),
      new Conv2d(16, inChannels, 3, { padding: 1 }), new Sigmoid(),
    ),
  });
}

/** Build a model from the config stored in a checkpoint. */
export function buildModel(config: ModelConfig): Sequential {
  if (config === null || typeof config !== 'object') throw new Error(`buildModel: expected a model config object, got ${String(config)}`);
  if (config.activation !== undefined && !ACTIVATIONS.includes(config.activation)) {
    throw new Error(`buildModel: unknown activation '${String(config.activation)}'; available: ${ACTIVATIONS.join(', ')}`);
  }
  switch (config.name) {
    case 'fashion-cnn': return fashionCnn(config);
    case 'autoencoder': return autoencoder(config);
    default: throw new Error(`buildModel: unknown model '${String((config as { name: unknown }).name)}'; available: ${MODEL_NAMES.join(', ')}`);
  }
}
