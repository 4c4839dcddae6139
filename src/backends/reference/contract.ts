/**
 * Backend.contract for the reference backend: the einsum interpreter. Forward when `target`
 * is the output's name; otherwise the gradient einsum with respect to the operand `target`
 * (operands then include the output gradient 'd' + output name), evaluated with the forward's
 * index extents.
 */
import { gradientSpec } from '../../einsum/grad.js';
import { evaluate, fastOrder } from '../../einsum/interpret.js';
import { parse } from '../../einsum/parse.js';
import { compile, type CompiledEinsum } from '../../einsum/ranges.js';
import type { BoundEinsum } from '../../einsum/types.js';

interface Plan { compiled: CompiledEinsum; order: string[] }

// Training calls the same few einsums over and over: keep their compiled plans.
const plans = new Map<string, Plan>();

function planFor(e: BoundEinsum, target: string): Plan {
  const key = `${target}|${e.spec}|${JSON.stringify(e.shapes)}|${JSON.stringify(e.constants)}`;
  let plan = plans.get(key);
  if (plan) return plan;
  const ast = parse(e.spec);
  const forward = compile(ast, e.shapes, e.constants);
  let compiled = forward;
  if (target !== ast.output.name) {
    const spec = gradientSpec(e.spec, target);
    const shapes: Record<string, readonly number[]> = { ...e.shapes };
    shapes['d' + ast.output.name] = e.shapes[ast.output.name]!;
    shapes['d' + target] = e.shapes[target]!;
    compiled = compile(spec, shapes, e.constants, { extents: forward.extents });
  }
  plan = { compiled, order: fastOrder(compiled) };
  if (plans.size > 256) plans.clear();
  plans.set(key, plan);
  return plan;
}

/**
 * Evaluate `e` (target = its output name) or its gradient with respect to operand `target`.
 *
 * @example
 *   const e = linearEinsum({ N: 1, C: 2, M: 1 });
 *   referenceContract(e, 'O', { I: new Float32Array([1, 2]), F: new Float32Array([3, 4]) })  // [11]
 *   referenceContract(e, 'F', { I: new Float32Array([1, 2]), dO: new Float32Array([1]) })   // [1, 2]
 */
export function referenceContract(e: BoundEinsum, target: string,
                                  operands: Readonly<Record<string, Float32Array>>): Float32Array {
  const { compiled, order } = planFor(e, target);
  return evaluate(compiled, operands, order);
}
