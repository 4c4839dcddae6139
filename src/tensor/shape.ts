/** Shape arithmetic shared by tensors and ops: sizes, strides, broadcasting, checks. */

/** Hard cap on elements in one tensor: a shape beyond it is a mistake, not a request. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** A shape as error messages print it. @example formatShape([1, 3, 224, 224])  // '[1,3,224,224]' */
export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Equal rank and extents. @example sameShape([2, 3], [2, 3])  // true */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Validate a shape before anything is allocated: non-negative integers, total within
 * MAX_ELEMENTS. `where` names the caller for the error.
 */
export function checkShape(shape: Shape, where: string): void {
  if (!Array.isArray(shape)) throw new Error(`${where}: shape must be an array of integers, got ${String(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: shape ${formatShape(shape)} has invalid dimension ${d} (expected a non-negative integer)`);
    }
    n *= d;
  }
  if (n > MAX_ELEMENTS) {
    throw new Error(`${where}: shape ${formatShape(shape)} has ${n.toExponential(3)} elements, more than the limit of ${MAX_ELEMENTS}`);
  }
}

/** NumPy/PyTorch broadcasting of two shapes; `where` names the op for the error. */
export function broadcastShapes(a: Shape, b: Shape, where: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${where}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast (dimension ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolve a possibly negative dimension index against a rank. */
export function normalizeDim(dim: number, rank: number, where: string): number {
  if (!Number.isInteger(dim) || dim < -Math.max(rank, 1) || dim >= Math.max(rank, 1)) {
    throw new Error(`${where}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-Math.max(rank, 1)}..${Math.max(rank, 1) - 1})`);
  }
  return dim < 0 ? dim + rank : dim;
}

/** Resolve a reshape target that may contain one -1. */
export function resolveReshape(from: Shape, to: readonly number[], where: string): number[] {
  const size = sizeOf(from);
  let unknown = -1;
  let known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (unknown >= 0) throw new Error(`${where}: only one dimension can be -1, got ${formatShape(to)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: invalid dimension ${d} in ${formatShape(to)}`);
    } else known *= d;
  });
  const out = [...to];
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new Error(`${where}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
    }
    out[unknown] = size / known;
  }
  if (sizeOf(out) !== size) {
    throw new Error(`${where}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)} (${sizeOf(out)} elements)`);
  }
  return out;
}
