/**
 * BatchNormalization in inference form: y = scale * (x - mean) / sqrt(var + epsilon) + B,
 * per channel (dim 1). It becomes an nn.BatchNorm2d holding the statistics, in eval mode.
 */
import { Tensor } from '../../../tensor/tensor.js';
import { batchNorm } from '../../../ops/norm.js';
import { BatchNorm2d } from '../../../nn/batchnorm.js';
import { OnnxError } from '../errors.js';
import { floatIn, unsupported } from './common.js';
import type { OpSpec, Prepared } from './types.js';

export const BatchNormalization: OpSpec = {
  attributes: ['epsilon', 'momentum', 'spatial', 'training_mode', 'is_test', 'consumed_inputs'],
  inputs: [5, 5],
  outputs: [1, 5],
  prepare(ctx): Prepared {
    const { node } = ctx;
    const eps = node.attrs.float('epsilon', 1e-5);
    const momentum = node.attrs.float('momentum', 0.9);
    if (node.attrs.int('training_mode', 0) !== 0 || node.outputs.filter((o) => o !== '').length > 1) {
      unsupported(node, 'training mode (running statistics as outputs)');
    }
    if (node.attrs.int('spatial', 1) !== 1) unsupported(node, 'spatial=0 (per-activation statistics)');
    if (!(eps >= 0 && Number.isFinite(eps))) throw new OnnxError(`${node.label}: epsilon must be >= 0, got ${eps}`);
    const consts = [1, 2, 3, 4].map((i) => ctx.constant(i));
    if (consts.every((c) => c instanceof Tensor)) {
      const [scale, bias, mean, variance] = consts as Tensor[];
      const C = scale!.size;
      for (const [name, t] of [['scale', scale], ['B', bias], ['mean', mean], ['var', variance]] as const) {
        if (t!.shape.length !== 1 || t!.size !== C) throw new OnnxError(`${node.label}: ${name} must have shape [${C}], got [${t!.shape.join(',')}]`);
      }
      // ONNX's momentum weighs the old statistics; PyTorch's weighs the new batch.
      const layer = new BatchNorm2d(C, { eps, momentum: momentum >= 0 && momentum <= 1 ? 1 - momentum : 0.1 });
      layer.weight!.data.set(scale!.data);
      layer.bias!.data.set(bias!.data);
      layer.getBuffer('running_mean')!.data.set(mean!.data);
      layer.getBuffer('running_var')!.data.set(variance!.data);
      layer.eval();
      return {
        module: layer,
        moduleOwns: [1, 2, 3, 4],
        bindings: [{ input: 1, tensor: layer.weight! }, { input: 2, tensor: layer.bias! },
          { input: 3, tensor: layer.getBuffer('running_mean')! }, { input: 4, tensor: layer.getBuffer('running_var')! }],
        run(inputs) {
          const x = floatIn(node, inputs, 0);
          if (x.shape.length === 4) return [layer.call(x)];
          // [N, C] or [N, C, L]: the same statistics through the functional form.
          return [batchNorm(x, layer.getBuffer('running_mean')!, layer.getBuffer('running_var')!, layer.weight, layer.bias, { eps })];
        },
      };
    }
    return {
      run(inputs) {
        const [x, s, b, m, v] = [0, 1, 2, 3, 4].map((i) => floatIn(node, inputs, i));
        return [batchNorm(x!, m!, v!, s!, b!, { eps })];
      },
    };
  },
};
