/**
 * `dnnkit loopnest`: one CONV / FC / POOL layer as its einsum, its naive loop nest in the order
 * the user names, its MAC count, and with --check a run of that loop nest (the einsum
 * interpreter in that order) against the fast kernel on the current backend.
 *
 *   dnnkit loopnest --type conv --N 1 --C 3 --H 227 --W 227 --M 96 --R 11 --S 11 --U 4 --pad 0
 *   dnnkit loopnest --model alexnet --layer conv2 --order m,c,r,s,n,p,q --check
 */
import type { Command } from 'commander';
import { countEinsum } from '../../einsum/count.js';
import { interpret } from '../../einsum/interpret.js';
import { conv2dParamsOf, convOutputSize, pool2dParamsOf } from '../../einsum/layers.js';
import { printLoopNest } from '../../einsum/loopnest.js';
import { parse } from '../../einsum/parse.js';
import type { BoundEinsum } from '../../einsum/types.js';
import * as F from '../../ops/functional.js';
import { getBackend } from '../../backends/registry.js';
// The fast kernel is the point of --check: load the wasm backend (it registers itself as default).
import '../../backends/wasm/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { Generator } from '../../tensor/random.js';
import { layerEinsum, textbookEinsum, type LayerKind, type LayerShape } from '../../analysis/layer-einsum.js';
import type { LayerSummary } from '../../analysis/types.js';
import { thousands } from '../../analysis/format.js';
import * as zoo from '../../models/zoo.js';
import { summarizeZooModel } from './summary.js';
import { UsageError, parseIntOption } from '../errors.js';

/** A layer ready to print and check: the einsum as written (for printing and the interpreter)
 * and how to run the same layer with the fast kernels. */
export interface LoopNestLayer {
  kind: LayerKind;
  title: string;
  einsum: BoundEinsum;
  /** The fast kernel on the einsum's operands (same flat buffers), output flat. */
  fast(operands: Record<string, Float32Array>): Float32Array;
}

const t = (data: Float32Array, shape: readonly number[]): Tensor => new Tensor(data, [...shape]);

/** The layer given by shape parameters. */
export function layerFromShape(shape: LayerShape): LoopNestLayer {
  const { einsum, params: p } = layerEinsum(shape);
  const ring = `N=${p.N} C=${p.C} H=${p.H} W=${p.W} R=${p.R} S=${p.S} M=${p.M} P=${p.P} Q=${p.Q} U=${p.U}`;
  const extra = `${p.pad ? ` pad=${p.pad}` : ''}${p.groups > 1 ? ` groups=${p.groups}` : ''}${p.dilation > 1 ? ` dilation=${p.dilation}` : ''}`;
  const title = `${{ conv: 'CONV', fc: 'FC', maxpool: 'POOL (max)', avgpool: 'POOL (average)' }[p.type]} layer: ${ring}${extra}`;
  return { kind: p.type, title, einsum, fast: fastKernel(p.type, einsum) };
}

/** The fast-kernel twin of a layer einsum, read back from the einsum's own shapes and constants. */
function fastKernel(kind: LayerKind, e: BoundEinsum): LoopNestLayer['fast'] {
  const s = e.shapes, k = e.constants;
  switch (kind) {
    case 'conv': return (o) => {
      const [N, C, H, W] = s['I']!.length === 5 ? [s['I']![0]!, s['I']![1]! * s['I']![2]!, s['I']![3]!, s['I']![4]!] : s['I']!;
      const Fs = s['F']!, G = s['I']!.length === 5 ? s['I']![1]! : 1;
      const wShape = Fs.length === 5 ? [Fs[0]! * Fs[1]!, Fs[2]!, Fs[3]!, Fs[4]!] : Fs;
      return F.conv2d(t(o['I']!, [N!, C!, H!, W!]), t(o['F']!, wShape), o['B'] ? t(o['B'], [wShape[0]!]) : null, {
        stride: [k['U'] ?? 1, k['V'] ?? k['U'] ?? 1], padding: [k['PH'] ?? 0, k['PW'] ?? 0],
        dilation: [k['DH'] ?? 1, k['DW'] ?? 1], groups: G,
      }).data;
    };
    case 'fc': return (o) => {
      const [N, ...rest] = s['I']!, M = s['F']![0]!;
      const C = rest.reduce((a, b) => a * b, 1);
      return F.linear(t(o['I']!, [N!, C]), t(o['F']!, [M, C]), o['B'] ? t(o['B'], [M]) : null).data;
    };
    case 'maxpool':
    case 'avgpool': return (o) => {
      const p = pool2dParamsOf(e);
      // ceil mode is what makes P larger than the floor rule gives.
      const floorP = convOutputSize(p.H, p.R, p.strideH, p.padTop, p.padTop, p.dilationH);
      const opts = { kernelSize: [p.R, p.S] as [number, number], stride: [p.strideH, p.strideW] as [number, number],
                     padding: [p.padTop, p.padLeft] as [number, number], ceilMode: p.P > floorP };
      const x = t(o['I']!, [p.N, p.C, p.H, p.W]);
      return kind === 'maxpool' ? F.maxPool2d(x, { ...opts, dilation: [p.dilationH, p.dilationW] }).data : F.avgPool2d(x, opts).data;
    };
  }
}

/** Find a layer of a summary by full name or by its last name components (unique). */
export function findLayer(layers: readonly LayerSummary[], name: string): LayerSummary {
  const exact = layers.find((l) => l.name === name);
  if (exact) return exact;
  const tail = layers.filter((l) => l.name.endsWith(`.${name}`));
  if (tail.length === 1) return tail[0]!;
  const usable = layers.filter((l) => l.einsum !== null).map((l) => l.name);
  if (tail.length > 1) throw new UsageError(`--layer '${name}' is ambiguous: ${tail.map((l) => l.name).join(', ')}`);
  throw new UsageError(`--layer: no layer '${name}'; layers with an einsum: ${usable.slice(0, 40).join(', ')}${usable.length > 40 ? ', ...' : ''}`);
}

/** The layer of a zoo model, named as in `dnnkit summary`. */
export function layerFromModel(model: string, layerName: string, options: { input?: string; batch?: string }): LoopNestLayer {
  const s = summarizeZooModel(model, options);
  const l = findLayer(s.layers, layerName);
  if (l.einsum === null || !(l.type === 'CONV' || l.type === 'FC' || l.type === 'POOL') || l.op === 'convTranspose2d') {
    throw new UsageError(`--layer '${l.name}' is a ${l.type} layer (${l.op}); loopnest takes CONV, FC and POOL layers with an einsum`);
  }
  const name = `${model} ${l.name}`;
  if (l.type === 'FC') {
    // Show it as DESIGN.md's FC einsum over the fmap it came from (R=H, S=W).
    const layer = layerFromShape({ type: 'fc', N: l.N, C: l.C!, H: l.H!, W: l.W!, M: l.M!, bias: l.einsum.shapes['B'] !== undefined });
    return { ...layer, title: `${name}: ${layer.title}` };
  }
  const kind: LayerKind = l.type === 'CONV' ? 'conv' : l.op === 'maxPool2d' ? 'maxpool' : 'avgpool';
  const einsum = kind === 'conv' ? textbookEinsum(l.einsum) : l.einsum;
  const p = kind === 'conv' ? conv2dParamsOf(l.einsum) : null;
  const ring = `N=${l.N} C=${l.C} H=${l.H} W=${l.W} R=${l.R} S=${l.S} M=${l.M} P=${l.P} Q=${l.Q} U=${l.U}`;
  const extra = `${l.padding && (l.padding[0] || l.padding[1]) ? ` pad=${l.padding.join(',')}` : ''}${p && p.groups > 1 ? ` groups=${p.groups}` : ''}`;
  return { kind, title: `${name}: ${l.type} layer: ${ring}${extra}`, einsum, fast: fastKernel(kind, l.einsum) };
}

/** The loop order from --order: names separated by commas; a missing group index g goes outermost. */
export function parseOrder(text: string | undefined, e: BoundEinsum): string[] | undefined {
  const ast = parse(e.spec);
  const all = [...ast.outputIndices, ...ast.reductionIndices];
  if (text === undefined) return undefined;
  const order = text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (all.includes('g') && !order.includes('g')) order.unshift('g');
  const missing = all.filter((i) => !order.includes(i));
  const unknown = order.filter((i) => !all.includes(i));
  const repeated = order.filter((i, j) => order.indexOf(i) !== j);
  if (missing.length || unknown.length || repeated.length) {
    throw new UsageError(`--order: must name each index of ${e.spec} once (${all.join(',')}), got '${text}'` +
      `${missing.length ? `; missing ${missing.join(',')}` : ''}${unknown.length ? `; unknown ${unknown.join(',')}` : ''}` +
      `${repeated.length ? `; repeated ${repeated.join(',')}` : ''}`);
  }
  return order;
}

export interface CheckResult { maxAbsDiff: number; outputs: number; interpretMs: number; fastMs: number; backend: string }

/** Run the layer on seeded random data with the interpreter (in `order`) and the fast kernel. */
export function checkLayer(layer: LoopNestLayer, order: string[] | undefined, seed: number): CheckResult {
  const gen = new Generator(seed);
  const ast = parse(layer.einsum.spec);
  const operands: Record<string, Float32Array> = {};
  for (const ref of ast.operands) {
    const n = layer.einsum.shapes[ref.name]!.reduce((a, b) => a * b, 1);
    operands[ref.name] = randomData(gen, n);
  }
  if (ast.bias) operands[ast.bias.name] = randomData(gen, layer.einsum.shapes[ast.bias.name]!.reduce((a, b) => a * b, 1));
  let t0 = performance.now();
  const slow = interpret(layer.einsum, operands, order ? { order } : {});
  const interpretMs = performance.now() - t0;
  t0 = performance.now();
  const fast = layer.fast(operands);
  const fastMs = performance.now() - t0;
  if (fast.length !== slow.length) {
    throw new Error(`loopnest --check: the interpreter gave ${slow.length} outputs but the fast kernel ${fast.length}`);
  }
  let maxAbsDiff = 0;
  for (let i = 0; i < slow.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(slow[i]! - fast[i]!));
  return { maxAbsDiff, outputs: slow.length, interpretMs, fastMs, backend: getBackend().name };
}

function randomData(gen: Generator, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal();
  return a;
}

/** The MAC line: total and the product of index extents. */
function macLine(e: BoundEinsum): string {
  const c = countEinsum(e);
  const idx = Object.keys(c.extents);
  const product = `${idx.join('*')} = ${idx.map((i) => c.extents[i]).join('*')}`;
  return c.comparisons > 0
    ? `comparisons: ${thousands(c.comparisons)} (${product}); MACs: 0 (pooling has no weights)`
    : `MACs: ${thousands(c.macs)} (${product})${c.biasAdds ? `; plus ${thousands(c.biasAdds)} bias adds` : ''}`;
}

interface LoopNestOptions {
  type?: string; N?: string; C?: string; H?: string; W?: string; M?: string; R?: string; S?: string; U?: string;
  pad?: string; groups?: string; dilation?: string; bias?: boolean;
  model?: string; layer?: string; input?: string; batch?: string;
  order?: string; style?: string; symbolic?: boolean; check?: boolean; seed?: string;
}

const int = (v: string | undefined, name: string, min: number): number | undefined =>
  v === undefined ? undefined : parseIntOption(v, `--${name}`, min);

export function register(program: Command): void {
  program
    .command('loopnest')
    .description('a CONV/FC/POOL layer as einsum, naive loop nest in any order and MAC count; --check runs it')
    .option('--type <type>', 'conv, fc, maxpool or avgpool (with the shape options below)')
    .option('--N <n>', 'batch size (default 1)')
    .option('--C <n>', 'input channels')
    .option('--H <n>', 'input height (default 1 for fc)')
    .option('--W <n>', 'input width (default H)')
    .option('--M <n>', 'filters = output channels (conv, fc)')
    .option('--R <n>', 'filter / window height (default 3 for conv, 2 for pooling)')
    .option('--S <n>', 'filter / window width (default R)')
    .option('--U <n>', 'stride (default 1; pooling: R)')
    .option('--pad <n>', 'zero padding on every side (default 0)')
    .option('--groups <n>', 'conv groups (default 1; C for depthwise)')
    .option('--dilation <n>', 'dilation (default 1)')
    .option('--no-bias', 'conv/fc without bias')
    .option('--model <name>', `a zoo model (${zoo.list().join(', ')}) ...`)
    .option('--layer <name>', '... and its layer, as dnnkit summary names it (e.g. conv1 or features.conv1)')
    .option('--input <dims>', 'with --model: input NxCxHxW or CxHxW')
    .option('--batch <n>', 'with --model: batch size')
    .option('--order <indices>', 'loop order, outermost first, e.g. n,m,p,q,c,r,s (default: output indices, then reduction indices)')
    .option('--style <style>', 'code (JavaScript-like, default) or pseudo', 'code')
    .option('--symbolic', 'print bounds as N, M, ... instead of numbers')
    .option('--check', 'run the loop nest (interpreter, in this order) on random data and compare with the fast kernel')
    .option('--seed <n>', 'random seed for --check', '0')
    .addHelpText('after', '\nExamples:\n  dnnkit loopnest --type conv --N 1 --C 3 --H 227 --W 227 --M 96 --R 11 --S 11 --U 4 --pad 0\n'
      + '  dnnkit loopnest --model alexnet --layer conv2 --order g,m,c,r,s,n,p,q --check\n'
      + '  dnnkit loopnest --type maxpool --C 96 --H 55 --R 3 --U 2 --check\n')
    .action((o: LoopNestOptions) => {
      let layer: LoopNestLayer;
      if (o.model !== undefined || o.layer !== undefined) {
        if (o.model === undefined || o.layer === undefined) throw new UsageError('--model and --layer go together');
        if (o.type !== undefined) throw new UsageError('give either --type with shape parameters or --model/--layer, not both');
        layer = layerFromModel(o.model, o.layer, o);
      } else {
        if (o.type === undefined) throw new UsageError('give --type conv|fc|maxpool|avgpool with shape parameters, or --model and --layer');
        const type = o.type.toLowerCase();
        if (!['conv', 'fc', 'maxpool', 'avgpool'].includes(type)) throw new UsageError(`--type: expected conv, fc, maxpool or avgpool, got '${o.type}'`);
        const C = int(o.C, 'C', 1);
        if (C === undefined) throw new UsageError('--C (input channels) is required');
        if ((type === 'conv' || type === 'fc') && o.M === undefined) throw new UsageError(`--M (filters) is required for --type ${type}`);
        const shape: LayerShape = { type: type as LayerKind, C };
        const fields = [['N', o.N, 1], ['H', o.H, 1], ['W', o.W, 1], ['M', o.M, 1], ['R', o.R, 1], ['S', o.S, 1], ['U', o.U, 1],
          ['pad', o.pad, 0], ['groups', o.groups, 1], ['dilation', o.dilation, 1]] as const;
        for (const [key, v, min] of fields) {
          const x = int(v, key, min);
          if (x !== undefined) (shape as unknown as Record<string, number>)[key] = x;
        }
        shape.bias = o.bias !== false;
        try { layer = layerFromShape(shape); } catch (err) { throw new UsageError((err as Error).message.replace(/^layerEinsum: /, '')); }
      }
      if (o.style !== 'code' && o.style !== 'pseudo') throw new UsageError(`--style: expected code or pseudo, got '${o.style}'`);
      const order = parseOrder(o.order, layer.einsum);
      const lines = [
        layer.title,
        `einsum: ${layer.einsum.spec}`,
        macLine(layer.einsum),
        '',
        `loop nest (order ${(order ?? [...parse(layer.einsum.spec).outputIndices, ...parse(layer.einsum.spec).reductionIndices]).join(',')}):`,
        printLoopNest(layer.einsum, { ...(order ? { order } : {}), style: o.style, bounds: o.symbolic ? 'symbolic' : 'numeric' }),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (o.check) {
        const r = checkLayer(layer, order, parseIntOption(o.seed ?? '0', '--seed', 0));
        const fastName = { conv: 'F.conv2d', fc: 'F.linear', maxpool: 'F.maxPool2d', avgpool: 'F.avgPool2d' }[layer.kind];
        process.stdout.write(`\ncheck: interpreter in this loop order (${(r.interpretMs / 1000).toFixed(2)} s) vs ${fastName} on the ` +
          `${r.backend} backend (${(r.fastMs / 1000).toFixed(3)} s), ${thousands(r.outputs)} outputs on random data: ` +
          `max abs difference ${r.maxAbsDiff.toExponential(2)}\n`);
        // float32 sums in different orders differ in the last bits; anything larger is a bug.
        const scale = Math.sqrt(countEinsum(layer.einsum).iterations / Math.max(1, r.outputs));
        if (!(r.maxAbsDiff <= 1e-4 * Math.max(1, scale))) {
          throw new Error(`check failed: max abs difference ${r.maxAbsDiff} between the loop nest and ${fastName}`);
        }
      }
    });
}
