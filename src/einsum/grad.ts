/**
 * The gradient of an einsum with respect to one operand is itself an einsum — one rule for
 * every einsum-defined layer (conv, transposed conv, FC, matmul, average pooling, zero
 * insertion, nearest upsampling), written once here.
 *
 * For O = B + (X * Y * ...) / D:
 *   dX[X's index exprs] = dO[O's index exprs] * Y * ... / D
 * The new output may carry affine expressions (`dI[n,c,U*p+r,U*q+s] = dO[n,m,p,q] * F[m,c,r,s]`):
 * a scatter-accumulate whose out-of-bounds writes are dropped — exactly the reads that were
 * zero padding in the forward. Reads of dO outside its bounds are zero — exactly the forward
 * writes that were dropped. An indexed-output forward (zero insertion) thus gets a gather.
 *   dB[b's indices] = dO[all output elements] (summed over the rest)
 * Max is not an einsum gradient: it routes dO to the argmax, which the ops do.
 */
import { bareIndex, parse, type EinsumAst, type IndexExpr, type TensorRef } from './parse.js';
import type { BoundEinsum } from './types.js';

const refText = (name: string, dims: readonly IndexExpr[] | readonly string[]): string =>
  `${name}[${dims.map((d) => (typeof d === 'string' ? d : d.text)).join(',')}]`;

function allIndices(ast: EinsumAst): Set<string> {
  return new Set([...ast.outputIndices, ...ast.reductionIndices]);
}

/**
 * The einsum text of d(output)/d(operand) contracted with the output gradient 'd'+output.
 *
 * @example
 *   gradientSpec('O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]', 'I')
 *   // 'dI[n,c,U*p+r,U*q+s] = dO[n,m,p,q] * F[m,c,r,s]'
 *   gradientSpec('O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]', 'B')
 *   // 'dB[m] = dO[n,m,p,q]'
 */
export function gradientSpec(spec: string, operand: string): string {
  const ast = parse(spec);
  const dO = 'd' + ast.output.name;
  const names = [...(ast.bias ? [ast.bias.name] : []), ...ast.operands.map((o) => o.name)];
  if (!names.includes(operand)) {
    throw new Error(`gradientSpec: operand '${operand}' is not an operand of "${spec}" (operands: ${names.join(', ')})`);
  }
  if (ast.reduce === 'max') {
    throw new Error(`gradientSpec: the gradient of a max ("${spec}") is not an einsum; route dO to the argmax (maxPool2dBackward)`);
  }
  if (ast.bias && operand === ast.bias.name) {
    // The bias is added once per output element: sum dO over every output element. Output
    // dimensions that are affine (transposed conv) get fresh indices covering the whole dim.
    const used = allIndices(ast);
    let k = 0;
    const fresh = (): string => { let n: string; do n = `o${k++}`; while (used.has(n)); return n; };
    const outDims = ast.output.dims.map((d) => bareIndex(d) ?? fresh());
    return `${refText('d' + operand, ast.bias.dims)} = ${refText(dO, outDims)}`;
  }
  const x = ast.operands.find((o) => o.name === operand)!;
  const others = ast.operands.filter((o) => o !== x);
  const factors = [refText(dO, ast.output.dims), ...others.map((o: TensorRef) => refText(o.name, o.dims))];
  const div = ast.divisor ? ` / ${ast.divisor.text}` : '';
  return `${refText('d' + operand, x.dims)} = ${factors.join(' * ')}${div}`;
}

/**
 * The gradient einsum bound to shapes: output 'd'+operand with the operand's shape, operands
 * 'd'+output (the output's shape) and the other factors. Evaluate it with the forward's
 * extents (`compile(..., { extents })`) so windows inferred from the forward output carry over.
 *
 * @example gradientEinsum(conv2dEinsum(p), 'F').spec
 *   // 'dF[g,m,c,r,s] = dO[n,g,m,p,q] * I[n,g,c,U*p+DH*r-PH,V*q+DW*s-PW]'
 */
export function gradientEinsum(e: BoundEinsum, operand: string): BoundEinsum {
  const spec = gradientSpec(e.spec, operand);
  const ast = parse(e.spec);
  const shapes: Record<string, readonly number[]> = {};
  for (const o of ast.operands) if (o.name !== operand) shapes[o.name] = e.shapes[o.name]!;
  shapes['d' + ast.output.name] = e.shapes[ast.output.name]!;
  shapes['d' + operand] = e.shapes[operand]!;
  return { kind: 'generic', spec, constants: e.constants, shapes };
}
