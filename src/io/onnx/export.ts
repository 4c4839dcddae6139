/**
 * saveOnnx / toOnnxBytes: a dnnkit model built from nn layers and containers (Sequential,
 * Residual, Concat) -> an ONNX file that ONNX Runtime, onnx2torch and dnnkit's own loadOnnx
 * run. Weights become initializers named by their stateDict keys (`features.0.weight`), every
 * intermediate value gets a value_info with its shape (the batch dim symbolic), and the graph
 * passes onnx.checker.
 *
 * The model is exported by running it once on zeros of `inputShape` (in eval mode, without
 * gradients): each module emits its ONNX nodes and the run supplies every shape.
 */
import { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/graph.js';
import { Module } from '../../nn/module.js';
import * as nn from '../../nn/index.js';
import { resolvePadding } from '../../ops/conv-shape.js';
import { OnnxError } from './errors.js';
import { OnnxModel } from './model.js';
import { AttributeType, DataType, ModelProtoType } from './schema.js';
import { protoFromInts, protoFromTensor } from './tensor-proto.js';

export interface SaveOnnxOptions {
  /** The input shape, batch first, e.g. [1, 3, 224, 224] (unused for an imported OnnxModel). */
  inputShape: readonly number[];
  /** Default 13; 11 to 21 are supported. */
  opset?: number;
  /** Graph input / output names (default 'input' / 'output'). */
  inputName?: string;
  outputName?: string;
  /** Keep the batch dim symbolic ('N') in the declared shapes (default true). */
  dynamicBatch?: boolean;
}

type Attr = Record<string, unknown>;

const attr = {
  int: (name: string, i: number): Attr => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: readonly number[]): Attr => ({ name, type: AttributeType.INTS, ints: [...ints] }),
  float: (name: string, f: number): Attr => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string): Attr => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
};

/** Builds the graph while the model runs. */
class GraphBuilder {
  readonly nodes: Attr[] = [];
  readonly initializers: Attr[] = [];
  readonly valueInfo: Attr[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly opset: number, readonly dynamicBatch: boolean) {}

  /** A fresh value name with a readable stem. */
  fresh(stem: string): string {
    let name = stem;
    while (this.used.has(name)) name = `${stem}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  weight(name: string, t: Tensor): string {
    const n = this.fresh(name);
    this.initializers.push(protoFromTensor(n, t));
    return n;
  }

  ints(stem: string, values: readonly number[]): string {
    const n = this.fresh(stem);
    this.initializers.push(protoFromInts(n, [values.length], values));
    return n;
  }

  scalar(stem: string, v: number): string {
    const n = this.fresh(stem);
    this.initializers.push(protoFromTensor(n, new Tensor(Float32Array.of(v), [])));
    return n;
  }

  /** Add a node; its output gets a value_info with `shape`. Returns the output name. */
  node(opType: string, inputs: readonly string[], path: string, shape: readonly number[], attributes: Attr[] = []): string {
    const out = this.fresh(`${path || 'model'}/${opType}`);
    this.nodes.push({ opType, input: [...inputs], output: [out], name: `${path || 'model'}/${opType}`, attribute: attributes });
    this.valueInfo.push(this.info(out, shape));
    return out;
  }

  info(name: string, shape: readonly number[]): Attr {
    return {
      name,
      type: {
        tensorType: {
          elemType: DataType.FLOAT,
          shape: { dim: shape.map((d, i) => (i === 0 && this.dynamicBatch ? { dimParam: 'N' } : { dimValue: d })) },
        },
      },
    };
  }
}

interface Flow { name: string; value: Tensor }

const pairAttr = (p: readonly [number, number]): number[] => [p[0], p[1]];

function unsupportedModule(path: string, m: Module, why = ''): never {
  throw new OnnxError(`saveOnnx: cannot export '${path || '(root)'}' (${m.constructor.name})${why ? `: ${why}` : ''}; exportable: Conv2d, ConvTranspose2d, Linear, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d/2d, activations, Flatten, Upsample, Dropout, Identity, Sequential, Residual, Concat`);
}

/** Emit module m applied to x; returns the output value's name and the computed output. */
function emit(g: GraphBuilder, m: Module, path: string, x: Flow): Flow {
  const sub = (name: string): string => (path ? `${path}.${name}` : name);
  const run = (): Tensor => m.call(x.value);
  const one = (opType: string, attributes: Attr[] = [], extraInputs: string[] = []): Flow => {
    const y = run();
    return { name: g.node(opType, [x.name, ...extraInputs], path, y.shape, attributes), value: y };
  };

  if (m instanceof nn.Sequential) {
    let f = x;
    for (const [name, child] of m.namedChildren()) f = emit(g, child, sub(name), f);
    return f;
  }
  if (m instanceof nn.Residual) {
    const body = emit(g, m.body, sub('body'), x);
    const short = m.shortcut ? emit(g, m.shortcut, sub('shortcut'), x) : x;
    const sum = body.value.add(short.value);
    const f = { name: g.node('Add', [body.name, short.name], path, sum.shape), value: sum };
    return m.activation ? emit(g, m.activation, sub('activation'), f) : f;
  }
  if (m instanceof nn.Concat) {
    const outs = [...m.namedChildren()].map(([name, child]) => emit(g, child, sub(name), x));
    const y = m.call(x.value);
    return { name: g.node('Concat', outs.map((o) => o.name), path, y.shape, [attr.int('axis', m.dim)]), value: y };
  }
  if (m instanceof nn.Conv2d) {
    if (x.value.ndim !== 4) unsupportedModule(path, m, 'input must be 4-D');
    const [H, W] = [x.value.shape[2]!, x.value.shape[3]!];
    const p = resolvePadding(m.padding, H, W, m.kernelSize[0], m.kernelSize[1], m.stride, m.dilation, 'saveOnnx');
    const inputs = [g.weight(sub('weight'), m.weight)];
    if (m.bias) inputs.push(g.weight(sub('bias'), m.bias));
    return one('Conv', [
      attr.ints('dilations', pairAttr(m.dilation)), attr.int('group', m.groups), attr.ints('kernel_shape', pairAttr(m.kernelSize)),
      attr.ints('pads', [p.padTop, p.padLeft, p.padBottom, p.padRight]), attr.ints('strides', pairAttr(m.stride)),
    ], inputs);
  }
  if (m instanceof nn.ConvTranspose2d) {
    const inputs = [g.weight(sub('weight'), m.weight)];
    if (m.bias) inputs.push(g.weight(sub('bias'), m.bias));
    return one('ConvTranspose', [
      attr.ints('dilations', pairAttr(m.dilation)), attr.int('group', m.groups), attr.ints('kernel_shape', pairAttr(m.kernelSize)),
      attr.ints('output_padding', pairAttr(m.outputPadding)),
      attr.ints('pads', [m.padding[0], m.padding[1], m.padding[0], m.padding[1]]), attr.ints('strides', pairAttr(m.stride)),
    ], inputs);
  }
  if (m instanceof nn.Linear) {
    const w = g.weight(sub('weight'), m.weight);
    if (x.value.ndim === 2) {
      const inputs = [w];
      if (m.bias) inputs.push(g.weight(sub('bias'), m.bias));
      return one('Gemm', [attr.float('alpha', 1), attr.float('beta', 1), attr.int('transB', 1)], inputs);
    }
    // [*, C] input: x @ Wᵀ (+ b) with MatMul, which broadcasts the leading dims.
    const wt = g.node('Transpose', [w], sub('weight'), [m.inFeatures, m.outFeatures], [attr.ints('perm', [1, 0])]);
    g.valueInfo.pop(); // the transposed weight has no batch dim: declare it exactly
    g.valueInfo.push({ name: wt, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: m.inFeatures }, { dimValue: m.outFeatures }] } } } });
    const y = run();
    const mm = g.node('MatMul', [x.name, wt], path, y.shape);
    return m.bias ? { name: g.node('Add', [mm, g.weight(sub('bias'), m.bias)], path, y.shape), value: y } : { name: mm, value: y };
  }
  if (m instanceof nn.MaxPool2d) {
    return one('MaxPool', [
      attr.int('ceil_mode', m.ceilMode ? 1 : 0), attr.ints('dilations', pairAttr(m.dilation)), attr.ints('kernel_shape', pairAttr(m.kernelSize)),
      attr.ints('pads', [m.padding[0], m.padding[1], m.padding[0], m.padding[1]]), attr.ints('strides', pairAttr(m.stride)),
    ]);
  }
  if (m instanceof nn.AvgPool2d) {
    return one('AveragePool', [
      attr.int('ceil_mode', m.ceilMode ? 1 : 0), attr.int('count_include_pad', m.countIncludePad ? 1 : 0),
      attr.ints('kernel_shape', pairAttr(m.kernelSize)),
      attr.ints('pads', [m.padding[0], m.padding[1], m.padding[0], m.padding[1]]), attr.ints('strides', pairAttr(m.stride)),
    ]);
  }
  if (m instanceof nn.AdaptiveAvgPool2d) {
    const [P, Q] = m.outputSize;
    if (P === 1 && Q === 1) return one('GlobalAveragePool');
    const [H, W] = [x.value.shape[x.value.ndim - 2]!, x.value.shape[x.value.ndim - 1]!];
    if (H % P !== 0 || W % Q !== 0) unsupportedModule(path, m, `output ${P}x${Q} does not divide the input ${H}x${W} (ONNX has no adaptive pooling)`);
    const k = [H / P, W / Q];
    return one('AveragePool', [attr.ints('kernel_shape', k), attr.ints('strides', k)]);
  }
  if (m instanceof nn.BatchNorm2d || m instanceof nn.BatchNorm1d) {
    const C = m.numFeatures;
    const mean = m.getBuffer('running_mean'), variance = m.getBuffer('running_var');
    if (!mean || !variance) unsupportedModule(path, m, 'a batch norm without running statistics (trackRunningStats=false) has no inference form');
    const scale = m.weight ? g.weight(sub('weight'), m.weight) : g.weight(sub('weight'), new Tensor(new Float32Array(C).fill(1), [C]));
    const bias = m.bias ? g.weight(sub('bias'), m.bias) : g.weight(sub('bias'), new Tensor(new Float32Array(C), [C]));
    return one('BatchNormalization', [attr.float('epsilon', m.eps), attr.float('momentum', 1 - (m.momentum ?? 0.1))],
      [scale, bias, g.weight(sub('running_mean'), mean), g.weight(sub('running_var'), variance)]);
  }
  if (m instanceof nn.ReLU) return one('Relu');
  if (m instanceof nn.Sigmoid) return one('Sigmoid');
  if (m instanceof nn.Tanh) return one('Tanh');
  if (m instanceof nn.LeakyReLU) return one('LeakyRelu', [attr.float('alpha', m.negativeSlope)]);
  if (m instanceof nn.ELU) return one('Elu', [attr.float('alpha', m.alpha)]);
  if (m instanceof nn.ReLU6) return one('Clip', [], [g.scalar(sub('min'), 0), g.scalar(sub('max'), 6)]);
  if (m instanceof nn.Hardsigmoid) return one('HardSigmoid', [attr.float('alpha', 1 / 6), attr.float('beta', 0.5)]);
  if (m instanceof nn.Hardswish) {
    if (g.opset >= 14) return one('HardSwish');
    const y = run();
    const hs = g.node('HardSigmoid', [x.name], path, y.shape, [attr.float('alpha', 1 / 6), attr.float('beta', 0.5)]);
    return { name: g.node('Mul', [x.name, hs], path, y.shape), value: y };
  }
  if (m instanceof nn.SiLU) {
    const y = run();
    const s = g.node('Sigmoid', [x.name], path, y.shape);
    return { name: g.node('Mul', [x.name, s], path, y.shape), value: y };
  }
  if (m instanceof nn.Softmax || m instanceof nn.LogSoftmax) {
    const op = m instanceof nn.Softmax ? 'Softmax' : 'LogSoftmax';
    const r = x.value.ndim, axis = m.dim < 0 ? m.dim + r : m.dim;
    // Before opset 13 the op normalises over all dims from `axis` on: the same only for the last.
    if (g.opset < 13 && axis !== r - 1) unsupportedModule(path, m, `${op} over dim ${m.dim} of a rank-${r} input needs opset 13`);
    return one(op, [attr.int('axis', g.opset < 13 ? axis : m.dim)]);
  }
  if (m instanceof nn.Flatten) {
    const r = x.value.ndim;
    const s = m.startDim < 0 ? m.startDim + r : m.startDim, e = m.endDim < 0 ? m.endDim + r : m.endDim;
    if (s === 1 && e === r - 1) return one('Flatten', [attr.int('axis', 1)]);
    const y = run();
    const spec = [...x.value.shape.slice(0, s).map((d, i) => (i === 0 ? 0 : d)), -1, ...x.value.shape.slice(e + 1)];
    return { name: g.node('Reshape', [x.name, g.ints(sub('shape'), spec)], path, y.shape), value: y };
  }
  if (m instanceof nn.Upsample) {
    const [sh, sw] = typeof m.scaleFactor === 'number' ? [m.scaleFactor, m.scaleFactor] : m.scaleFactor;
    const y = run();
    if (m.mode === 'zeros') {
      if (sh !== sw || !Number.isInteger(sh)) unsupportedModule(path, m, 'zero insertion needs one integer factor');
      // Zero insertion is a depthwise transposed convolution with a 1x1 kernel of ones.
      const C = x.value.shape[1]!;
      const w = g.weight(sub('weight'), new Tensor(new Float32Array(C).fill(1), [C, 1, 1, 1]));
      return {
        name: g.node('ConvTranspose', [x.name, w], path, y.shape, [
          attr.int('group', C), attr.ints('kernel_shape', [1, 1]), attr.ints('strides', [sh, sw]), attr.ints('output_padding', [sh - 1, sw - 1]),
        ]),
        value: y,
      };
    }
    const scales = g.fresh(sub('scales'));
    g.initializers.push(protoFromTensor(scales, new Tensor(Float32Array.of(1, 1, sh, sw), [4])));
    const roi = g.opset < 13 ? g.weight(sub('roi'), new Tensor(new Float32Array(0), [0])) : '';
    const attrs = m.mode === 'nearest'
      ? [attr.string('mode', 'nearest'), attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor')]
      : [attr.string('mode', 'linear'), attr.string('coordinate_transformation_mode', 'pytorch_half_pixel')];
    return { name: g.node('Resize', [x.name, roi, scales], path, y.shape, attrs), value: y };
  }
  if (m instanceof nn.Dropout || m instanceof nn.Identity) return { name: x.name, value: x.value };
  return unsupportedModule(path, m);
}

function irVersionFor(opset: number): number {
  if (opset <= 13) return 7;
  if (opset <= 17) return 8;
  if (opset <= 19) return 9;
  return 10;
}

/**
 * Encode a model as ONNX bytes (see saveOnnx).
 * @example const bytes = toOnnxBytes(model, { inputShape: [1, 1, 28, 28] });
 */
export function toOnnxBytes(model: Module, options: SaveOnnxOptions): Uint8Array {
  if (!(model instanceof Module)) throw new OnnxError(`saveOnnx: model must be an nn Module, got ${typeof model}`);
  // An imported model is written back as its own graph, with its layers' current weights.
  if (model instanceof OnnxModel) return model.toOnnxBytes();
  const shape = options?.inputShape;
  if (!Array.isArray(shape) || shape.length < 2 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new OnnxError(`saveOnnx: inputShape must be positive integers with the batch first, like [1, 3, 224, 224], got ${JSON.stringify(shape)}`);
  }
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 11 || opset > 21) throw new OnnxError(`saveOnnx: opset must be an integer from 11 to 21, got ${String(opset)}`);
  const g = new GraphBuilder(opset, options.dynamicBatch ?? true);
  const inputName = g.fresh(options.inputName ?? 'input');
  const wasTraining = [...model.modules()].map((m) => m.training);
  model.eval();
  let out: Flow;
  try {
    out = noGrad(() => emit(g, model, '', { name: inputName, value: zeros(shape) }));
  } finally {
    [...model.modules()].forEach((m, i) => { m.training = wasTraining[i]!; });
  }
  // The last node writes the graph output directly (an Identity only for a model that is one).
  const finalName = g.fresh(options.outputName ?? 'output');
  const last = g.nodes.find((n) => (n.output as string[])[0] === out.name);
  if (last && out.name !== inputName) (last.output as string[])[0] = finalName;
  else g.nodes.push({ opType: 'Identity', input: [out.name], output: [finalName], name: 'output/Identity', attribute: [] });
  for (const n of g.nodes) (n.input as string[]).forEach((v, i, a) => { if (v === out.name && n !== last) a[i] = finalName; });
  const outputInfo = g.info(finalName, out.value.shape);
  const valueInfo = g.valueInfo.filter((v) => v.name !== out.name);
  const message = ModelProtoType.fromObject({
    irVersion: irVersionFor(opset),
    producerName: 'dnnkit',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: model.constructor.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [g.info(inputName, shape)],
      output: [outputInfo],
      valueInfo,
    },
  });
  return ModelProtoType.encode(message).finish();
}

/**
 * Write a model as an ONNX file (Node.js), atomically.
 * @example await saveOnnx(model, 'lenet.onnx', { inputShape: [1, 1, 28, 28] });
 */
export async function saveOnnx(model: Module, path: string, options: SaveOnnxOptions): Promise<void> {
  const bytes = toOnnxBytes(model, options);
  const { writeFile, rename } = await import('node:fs/promises');
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
