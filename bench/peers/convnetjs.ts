/**
 * ConvNetJS 0.3 (Karpathy): LeNet-5 training only (its conv runs ~0.5 GFLOP/s, so the layer
 * suite would take minutes). It trains one image at a time and applies the update every
 * `batch_size` images, which is one step at our batch. It has max pooling only, so S2/S4 are
 * 2x2 max pools here (a negligible share of the work).
 */
import type { Peer, TrainStep } from './peer.js';
import { seededArray } from './peer.js';

export function convnetjsPeer(): Peer {
  let cn: typeof import('convnetjs').default;
  return {
    id: 'convnetjs',
    label: 'convnetjs',
    async init() {
      try {
        cn = (await import('convnetjs')).default;
        return null;
      } catch (e) {
        return `convnetjs: ${(e as Error).message}`;
      }
    },
    skip: () => 'ConvNetJS: training benchmark only',
    prepare: () => Promise.reject(new Error('convnetjs: layer cases are not run')),
    async lenetTrainStep(batch): Promise<TrainStep> {
      const net = new cn.Net();
      net.makeLayers([
        { type: 'input', out_sx: 32, out_sy: 32, out_depth: 1 },
        { type: 'conv', sx: 5, filters: 6, stride: 1, pad: 0, activation: 'tanh' },
        { type: 'pool', sx: 2, stride: 2 },
        { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'tanh' },
        { type: 'pool', sx: 2, stride: 2 },
        { type: 'conv', sx: 5, filters: 120, stride: 1, pad: 0, activation: 'tanh' },
        { type: 'fc', num_neurons: 84, activation: 'tanh' },
        { type: 'softmax', num_classes: 10 },
      ]);
      const trainer = new cn.Trainer(net, { method: 'sgd', learning_rate: 0.01, momentum: 0.9, batch_size: batch, l2_decay: 0 });
      const pixels = seededArray(batch * 32 * 32, 7);
      const images = Array.from({ length: batch }, (_, i) => {
        const v = new cn.Vol(32, 32, 1, 0);
        for (let k = 0; k < 32 * 32; k++) v.w[k] = pixels[i * 1024 + k]!;
        return v;
      });
      return {
        run: () => { let loss = 0; for (let i = 0; i < batch; i++) loss += trainer.train(images[i]!, i % 10).loss; return loss; },
        note: 'max pooling (ConvNetJS has no average pooling)',
      };
    },
  };
}
