/** ResNet-50 v1 (He, Zhang, Ren, Sun 2015). */
import { act, adaptiveAvgPool, batchNorm, conv, flatten, linear, maxPool, residual, seq, type Arch } from './arch.js';
import type { ZooEntry } from './entry.js';

/**
 * A v1 bottleneck: 1x1 (stride here) -> 3x3 -> 1x1 (x4 channels), batch norm after each conv,
 * projection shortcut (1x1 conv + BN) when the shape changes.
 */
export function bottleneck(cin: number, width: number, stride: number): Arch {
  const cout = 4 * width;
  const body = seq(
    ['conv1', conv(cin, width, 1, { stride, bias: false })], ['bn1', batchNorm(width)], ['relu1', act('relu')],
    ['conv2', conv(width, width, 3, { padding: 1, bias: false })], ['bn2', batchNorm(width)], ['relu2', act('relu')],
    ['conv3', conv(width, cout, 1, { bias: false })], ['bn3', batchNorm(cout)],
  );
  const shortcut = stride !== 1 || cin !== cout
    ? seq(['conv', conv(cin, cout, 1, { stride, bias: false })], ['bn', batchNorm(cout)])
    : undefined;
  return residual(body, shortcut, act('relu'));
}

export const resnet50: ZooEntry = {
  name: 'resnet50',
  title: 'ResNet-50 (v1): 7x7 stem + 16 bottleneck residual blocks [3, 4, 6, 3], global average pool, 1 FC',
  source: 'K. He, X. Zhang, S. Ren, J. Sun, "Deep residual learning for image recognition", CVPR 2016 (arXiv:1512.03385), Table 1',
  notes: 'v1 as in the paper: a downsampling block strides in its first 1x1 conv (torchvision\'s resnet50 is "v1.5", '
    + 'striding in the 3x3 conv: same weights, 4.09G instead of 3.86G MACs). Projection shortcuts (option B) where the '
    + 'shape changes. Convs have no bias (batch norm follows).',
  inputShape: [3, 224, 224],
  numClasses: 1000,
  arch({ inputShape, numClasses }) {
    const stages: Array<[string, Arch]> = [];
    let cin = 64;
    [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]].forEach(([width, blocks, stride], i) => {
      const layer: Array<[string, Arch]> = [];
      for (let b = 0; b < blocks!; b++) {
        layer.push([String(b), bottleneck(cin, width!, b === 0 ? stride! : 1)]);
        cin = 4 * width!;
      }
      stages.push([`layer${i + 1}`, seq(...layer)]);
    });
    return seq(
      ['conv1', conv(inputShape[0]!, 64, 7, { stride: 2, padding: 3, bias: false })], ['bn1', batchNorm(64)],
      ['relu', act('relu')], ['maxpool', maxPool(3, { stride: 2, padding: 1 })],
      ...stages,
      ['avgpool', adaptiveAvgPool(1)], ['flatten', flatten()], ['fc', linear(2048, numClasses)],
    );
  },
};
