/**
 * Resize (opset 10+) and Upsample (opset 7-9) on the two spatial axes of NCHW input, modes
 * nearest and linear, every coordinate_transformation_mode but tf_crop_and_resize, every
 * nearest_mode. Output = a separable resampling: each output row (column) reads up to two
 * input rows (columns) with weights, so one small forward/backward pair covers all cases.
 *
 * PyTorch's nn.Upsample(scale_factor=2, mode='nearest') exports as Resize(asymmetric, floor);
 * bilinear with align_corners=False as Resize(half_pixel or pytorch_half_pixel, linear).
 */
import { Tensor } from '../../../tensor/tensor.js';
import { recordOp } from '../../../autograd/graph.js';
import { OnnxError } from '../errors.js';
import { check4d, checkSize, floatIn, unsupported } from './common.js';
import type { OnnxNode, OpSpec, Prepared } from './types.js';
import type { Value } from '../value.js';

type Transform = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'half_pixel_symmetric';
type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

interface Axis { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array }

/** The input coordinate of output coordinate `o` (ONNX's coordinate_transformation_mode). */
function sourceCoordinate(o: number, scale: number, inSize: number, outSize: number, mode: Transform): number {
  switch (mode) {
    case 'asymmetric': return o / scale;
    case 'align_corners': return outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
    case 'pytorch_half_pixel': return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'half_pixel_symmetric': {
      const adj = outSize / (scale * inSize);
      const center = inSize / 2;
      const offset = center * (1 - adj);
      return offset + (o + 0.5) / scale - 0.5;
    }
    default: return (o + 0.5) / scale - 0.5;
  }
}

function axisTable(inSize: number, outSize: number, scale: number, mode: 'nearest' | 'linear', transform: Transform, nearest: NearestMode): Axis {
  const t: Axis = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Float32Array(outSize), w1: new Float32Array(outSize) };
  for (let o = 0; o < outSize; o++) {
    const x = sourceCoordinate(o, scale, inSize, outSize, transform);
    if (mode === 'nearest') {
      let i: number;
      const f = Math.floor(x), frac = x - f;
      switch (nearest) {
        case 'floor': i = f; break;
        case 'ceil': i = Math.ceil(x); break;
        case 'round_prefer_ceil': i = frac >= 0.5 ? f + 1 : f; break;
        default: i = frac > 0.5 ? f + 1 : f;
      }
      i = Math.min(Math.max(i, 0), inSize - 1);
      t.i0[o] = i; t.i1[o] = i; t.w0[o] = 1; t.w1[o] = 0;
    } else {
      const c = Math.min(Math.max(x, 0), inSize - 1);
      const i0 = Math.floor(c), i1 = Math.min(i0 + 1, inSize - 1), l = c - i0;
      t.i0[o] = i0; t.i1[o] = i1; t.w0[o] = 1 - l; t.w1[o] = l;
    }
  }
  return t;
}

/** y[n,c,p,q] = sum over a,b in {0,1} of wh[p][a] * ww[q][b] * x[n,c,ih[p][a],iw[q][b]] */
function resample(x: Tensor, P: number, Q: number, th: Axis, tw: Axis): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const planes = N * C;
  const y = new Float32Array(planes * P * Q);
  const xd = x.data;
  for (let pl = 0; pl < planes; pl++) {
    const xo = pl * H * W, yo = pl * P * Q;
    for (let p = 0; p < P; p++) {
      const r0 = xo + th.i0[p]! * W, r1 = xo + th.i1[p]! * W, a0 = th.w0[p]!, a1 = th.w1[p]!;
      for (let q = 0; q < Q; q++) {
        const c0 = tw.i0[q]!, c1 = tw.i1[q]!, b0 = tw.w0[q]!, b1 = tw.w1[q]!;
        y[yo + p * Q + q] = a0 * (b0 * xd[r0 + c0]! + b1 * xd[r0 + c1]!) + a1 * (b0 * xd[r1 + c0]! + b1 * xd[r1 + c1]!);
      }
    }
  }
  return recordOp(new Tensor(y, [N, C, P, Q]), 'resize', [x], (g) => {
    const dx = new Float32Array(x.size);
    const gd = g.data;
    for (let pl = 0; pl < planes; pl++) {
      const xo = pl * H * W, yo = pl * P * Q;
      for (let p = 0; p < P; p++) {
        const r0 = xo + th.i0[p]! * W, r1 = xo + th.i1[p]! * W, a0 = th.w0[p]!, a1 = th.w1[p]!;
        for (let q = 0; q < Q; q++) {
          const v = gd[yo + p * Q + q]!;
          const c0 = tw.i0[q]!, c1 = tw.i1[q]!, b0 = tw.w0[q]!, b1 = tw.w1[q]!;
          dx[r0 + c0] += a0 * b0 * v; dx[r0 + c1] += a0 * b1 * v;
          dx[r1 + c0] += a1 * b0 * v; dx[r1 + c1] += a1 * b1 * v;
        }
      }
    }
    return [new Tensor(dx, x.shape)];
  });
}

interface ResizeConfig { mode: 'nearest' | 'linear'; transform: Transform; nearest: NearestMode }

function runResize(node: OnnxNode, x: Tensor, scales: number[] | undefined, sizes: number[] | undefined, cfg: ResizeConfig, maxElements: number): Tensor {
  check4d(node, x);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  let sh: number, sw: number, P: number, Q: number;
  if (sizes && sizes.length > 0) {
    if (sizes.length !== 4) throw new OnnxError(`${node.label}: sizes must have 4 values for NCHW input, got [${sizes.join(',')}]`);
    if (sizes[0] !== N || sizes[1] !== C) unsupported(node, `resizing the batch or channel axis (sizes [${sizes.join(',')}] for input [${x.shape.join(',')}])`);
    [P, Q] = [sizes[2]!, sizes[3]!];
    [sh, sw] = [P / H, Q / W];
  } else if (scales && scales.length > 0) {
    if (scales.length !== 4) throw new OnnxError(`${node.label}: scales must have 4 values for NCHW input, got [${scales.join(',')}]`);
    if (scales[0] !== 1 || scales[1] !== 1) unsupported(node, `resizing the batch or channel axis (scales [${scales.join(',')}])`);
    [sh, sw] = [scales[2]!, scales[3]!];
    if (!(sh > 0 && sw > 0 && Number.isFinite(sh) && Number.isFinite(sw))) throw new OnnxError(`${node.label}: scales must be positive, got [${scales.join(',')}]`);
    [P, Q] = [Math.floor(H * sh), Math.floor(W * sw)];
  } else {
    throw new OnnxError(`${node.label}: needs scales or sizes`);
  }
  checkSize(node, [N, C, P, Q], { maxElements });
  if (P < 1 || Q < 1 || H < 1 || W < 1) throw new OnnxError(`${node.label}: output [${N},${C},${P},${Q}] from input [${x.shape.join(',')}] is empty`);
  const th = axisTable(H, P, sh, cfg.mode, cfg.transform, cfg.nearest);
  const tw = axisTable(W, Q, sw, cfg.mode, cfg.transform, cfg.nearest);
  return resample(x, P, Q, th, tw);
}

function readConfig(node: OnnxNode, legacy: boolean): ResizeConfig {
  const a = node.attrs;
  let mode = a.string('mode', 'nearest');
  if (mode === 'bilinear') mode = 'linear';   // Upsample opset 7 spelling
  if (mode !== 'nearest' && mode !== 'linear') {
    throw new OnnxError(`${node.label}: mode '${mode}' is not supported (supported: nearest, linear)`);
  }
  const transform = (legacy ? 'asymmetric' : a.string('coordinate_transformation_mode', node.opset < 11 ? 'asymmetric' : 'half_pixel')) as Transform;
  if (!['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric'].includes(transform)) {
    throw new OnnxError(`${node.label}: coordinate_transformation_mode '${transform}' is not supported (supported: half_pixel, pytorch_half_pixel, align_corners, asymmetric, half_pixel_symmetric)`);
  }
  const nearest = (legacy || node.opset < 11 ? 'floor' : a.string('nearest_mode', 'round_prefer_floor')) as NearestMode;
  if (!['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].includes(nearest)) {
    throw new OnnxError(`${node.label}: nearest_mode '${nearest}' is not supported`);
  }
  if (a.int('exclude_outside', 0) !== 0) unsupported(node, 'exclude_outside=1');
  if (a.int('antialias', 0) !== 0) unsupported(node, 'antialias=1');
  if (a.has('axes')) unsupported(node, "the 'axes' attribute");
  if (a.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch') unsupported(node, 'keep_aspect_ratio_policy other than stretch');
  return { mode, transform, nearest };
}

export const Resize: OpSpec = {
  attributes: ['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside',
    'extrapolation_value', 'antialias', 'axes', 'keep_aspect_ratio_policy'],
  inputs: [1, 4],
  outputs: [1, 1],
  prepare({ node, limits }): Prepared {
    const cfg = readConfig(node, false);
    return {
      run(inputs: ReadonlyArray<Value | undefined>) {
        const x = floatIn(node, inputs, 0);
        // opset 10: (X, scales); 11+: (X, roi, scales, sizes)
        const scalesIn = node.opset < 11 ? inputs[1] : inputs[2];
        const sizesIn = node.opset < 11 ? undefined : inputs[3];
        const scales = scalesIn && scalesIn.size > 0 ? Array.from(scalesIn.data) : undefined;
        const sizes = sizesIn && sizesIn.size > 0 ? Array.from(sizesIn.data) : undefined;
        return [runResize(node, x, scales, sizes, cfg, limits.maxElements)];
      },
    };
  },
};

/** Upsample (deprecated in opset 10): scales as an attribute (opset 7) or input (opset 9). */
export const Upsample: OpSpec = {
  attributes: ['mode', 'scales'],
  inputs: [1, 2],
  outputs: [1, 1],
  prepare({ node, limits }): Prepared {
    const cfg = readConfig(node, true);
    return {
      run(inputs) {
        const x = floatIn(node, inputs, 0);
        const scales = inputs[1] !== undefined ? Array.from(inputs[1].data) : node.attrs.floats('scales');
        return [runResize(node, x, scales, undefined, cfg, limits.maxElements)];
      },
    };
  },
};
