/**
 * `dnnkit conv`: a worked example of the CONV layer, step by step — a small integer input, a
 * small filter, every output value with the products that make it up, and the output-size
 * formula with the numbers filled in; the result is checked against F.conv2d.
 *
 *   dnnkit conv                          # 5x5 input, 3x3 filter, stride 1, no padding
 *   dnnkit conv --size 6 --stride 2 --padding 1
 */
import type { Command } from 'commander';
import * as F from '../../ops/functional.js';
import { Tensor } from '../../tensor/tensor.js';
import { Generator } from '../../tensor/random.js';
import { convOutputSize } from '../../einsum/layers.js';
import { UsageError, parseIntOption } from '../errors.js';

export interface WorkedConv {
  H: number; R: number; U: number; pad: number; P: number;
  input: number[][]; filter: number[][]; output: number[][];
  /** For each output [p][q]: the (input value, filter value) pairs, padding reads as 0. */
  products: Array<Array<Array<[number, number]>>>;
}

/** The filter of the example: a vertical-edge detector for 3x3, small seeded integers otherwise. */
function makeFilter(R: number, gen: Generator): number[][] {
  if (R === 3) return [[1, 0, -1], [1, 0, -1], [1, 0, -1]];
  return Array.from({ length: R }, () => Array.from({ length: R }, () => gen.int(3) - 1));
}

/**
 * Compute the worked example by the definition (cross-correlation, zero padding).
 *
 * @example workedConv(5, 3, 1, 0).P  // 3
 */
export function workedConv(H: number, R: number, U: number, pad: number, seed = 0): WorkedConv {
  const P = convOutputSize(H, R, U, pad);
  if (P < 1) throw new UsageError(`a ${R}x${R} filter does not fit a ${H}x${H} input with padding ${pad}: P = floor((${H} + 2*${pad} - ${R}) / ${U}) + 1 = ${P}`);
  const gen = new Generator(seed);
  const input = Array.from({ length: H }, () => Array.from({ length: H }, () => gen.int(5)));
  const filter = makeFilter(R, gen);
  const at = (y: number, x: number): number => (y < 0 || x < 0 || y >= H || x >= H ? 0 : input[y]![x]!);
  const products: WorkedConv['products'] = [];
  const output: number[][] = [];
  for (let p = 0; p < P; p++) {
    products.push([]); output.push([]);
    for (let q = 0; q < P; q++) {
      const terms: Array<[number, number]> = [];
      for (let r = 0; r < R; r++) for (let s = 0; s < R; s++) terms.push([at(U * p + r - pad, U * q + s - pad), filter[r]![s]!]);
      products[p]!.push(terms);
      output[p]!.push(terms.reduce((a, [i, f]) => a + i * f, 0));
    }
  }
  return { H, R, U, pad, P, input, filter, output, products };
}

function grid(rows: number[][], indent = '  '): string {
  const width = Math.max(...rows.flat().map((v) => String(v).length));
  return rows.map((r) => indent + r.map((v) => String(v).padStart(width)).join(' ')).join('\n');
}

const signed = (v: number): string => (v < 0 ? `(${v})` : String(v));

/** The worked example as text. */
export function formatWorkedConv(w: WorkedConv): string {
  const { H, R, U, pad, P } = w;
  const out: string[] = [
    'The CONV layer, worked by hand (one input channel, one filter: C = M = 1, N = 1).',
    'CNN "convolution" is cross-correlation: the filter slides over the input without being flipped.',
    '',
    `Input I (H = W = ${H}):`, grid(w.input),
  ];
  if (pad > 0) {
    const padded = Array.from({ length: H + 2 * pad }, (_, y) => Array.from({ length: H + 2 * pad }, (_, x) => {
      const iy = y - pad, ix = x - pad;
      return iy < 0 || ix < 0 || iy >= H || ix >= H ? 0 : w.input[iy]![ix]!;
    }));
    out.push('', `With zero padding ${pad} on every side (${H + 2 * pad}x${H + 2 * pad}):`, grid(padded));
  }
  out.push(
    '', `Filter F (R = S = ${R}):`, grid(w.filter), '',
    'Output size (DESIGN.md): P = floor((H + 2*pad - R) / U) + 1',
    `  P = floor((${H} + 2*${pad} - ${R}) / ${U}) + 1 = floor(${H + 2 * pad - R} / ${U}) + 1 = ${Math.floor((H + 2 * pad - R) / U)} + 1 = ${P}`,
    `  Q = P = ${P} (square input and filter)`,
    ...((H + 2 * pad - R) % U !== 0 ? [`  (${H + 2 * pad - R} is not a multiple of ${U}: the last ${(H + 2 * pad - R) % U} row(s)/column(s) are never reached)`] : []),
    '',
    `Each output: O[p,q] = sum over r,s of I[${U === 1 ? '' : `${U}*`}p+r${pad ? `-${pad}` : ''}, ${U === 1 ? '' : `${U}*`}q+s${pad ? `-${pad}` : ''}] * F[r,s]` +
      (pad ? ' (reads outside I are the zero padding)' : ''),
  );
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < P; q++) {
      const terms = w.products[p]![q]!;
      out.push(`  O[${p},${q}] = ${terms.map(([i, f]) => `${i}*${signed(f)}`).join(' + ')} = ${w.output[p]![q]}`);
    }
  }
  out.push(
    '', `Output O (P = Q = ${P}):`, grid(w.output), '',
    `MACs: P*Q*R*S = ${P}*${P}*${R}*${R} = ${P * P * R * R} (every product above, zeros included)`,
    '',
    'Signal-processing convolution would flip the filter first (F[R-1-r, S-1-s]), and its "full"',
    `output would be H+R-1 = ${H + R - 1} wide.`,
  );
  return `${out.join('\n')}\n`;
}

interface ConvOptions { size: string; kernel: string; stride: string; padding: string; seed: string }

export function register(program: Command): void {
  program
    .command('conv')
    .description('a worked CONV example: input, filter, every output with its products, the output-size formula')
    .option('--size <n>', 'input height = width', '5')
    .option('--kernel <n>', 'filter height = width', '3')
    .option('--stride <n>', 'stride U', '1')
    .option('--padding <n>', 'zero padding on every side', '0')
    .option('--seed <n>', 'seed for the input values', '0')
    .addHelpText('after', '\nExamples:\n  dnnkit conv\n  dnnkit conv --size 7 --stride 2 --padding 1\n')
    .action((o: ConvOptions) => {
      const H = parseIntOption(o.size, '--size', 1, 16);
      const R = parseIntOption(o.kernel, '--kernel', 1, 7);
      const U = parseIntOption(o.stride, '--stride', 1, 8);
      const pad = parseIntOption(o.padding, '--padding', 0, 4);
      const w = workedConv(H, R, U, pad, parseIntOption(o.seed, '--seed', 0));
      process.stdout.write(formatWorkedConv(w));
      // The hand computation must agree with the library's CONV layer.
      const flat = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());
      const y = F.conv2d(new Tensor(flat(w.input), [1, 1, H, H]), new Tensor(flat(w.filter), [1, 1, R, R]), null,
                         { stride: U, padding: pad });
      const expected = flat(w.output);
      const same = y.data.length === expected.length && y.data.every((v, i) => v === expected[i]);
      if (!same) throw new Error(`the worked example disagrees with F.conv2d: ${Array.from(y.data).join(',')} vs ${Array.from(expected).join(',')}`);
      process.stdout.write(`\nChecked: F.conv2d gives the same ${P(w)} outputs.\n`);
    });
}

const P = (w: WorkedConv): string => `${w.P}x${w.P}`;
