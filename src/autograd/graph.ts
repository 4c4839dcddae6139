/**
 * Reverse-mode automatic differentiation, define-by-run.
 *
 * Each op that produces a tensor from inputs needing gradients attaches a GradNode holding
 * the inputs and a closure that maps the output gradient to input gradients. backward()
 * walks the graph in reverse topological order, sums gradients that meet, accumulates into
 * the leaves' `.grad`, and then drops the closures so the saved tensors can be collected.
 */
import type { Tensor } from '../tensor/tensor.js';

export type BackwardFn = (gradOutput: Tensor) => ReadonlyArray<Tensor | null>;

export class GradNode {
  constructor(
    /** The op's name, for error messages and graph printing. */
    readonly name: string,
    /** The op's inputs in the order the backward closure returns their gradients. */
    public inputs: ReadonlyArray<Tensor>,
    /** Gradient rule; null once the graph was freed by backward(). */
    public backward: BackwardFn | null,
  ) {}
}

let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run fn without recording gradients (inference, optimizer updates).
 * @example const y = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Run fn with gradient recording explicitly on (e.g. inside a noGrad block). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Attach the gradient rule of an op to its output, if any input needs a gradient.
 * Called by every differentiable op right where it builds its output.
 */
export function recordOp(output: Tensor, name: string, inputs: ReadonlyArray<Tensor>, backward: BackwardFn): Tensor {
  if (!gradEnabled) return output;
  if (!inputs.some((t) => t.requiresGrad)) return output;
  output.gradFn = new GradNode(name, inputs, backward);
  output.markNonLeafRequiringGrad();
  return output;
}

/** Reverse topological order of the graph below root (root first). */
function reverseTopological(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: deep networks would overflow the call stack with recursion.
  const stack: Array<{ t: Tensor; i: number }> = [{ t: root, i: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top.t.gradFn?.inputs ?? [];
    if (top.i < inputs.length) {
      const child = inputs[top.i++]!;
      if (!visited.has(child) && child.requiresGrad) {
        visited.add(child);
        stack.push({ t: child, i: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order.reverse();
}

/**
 * Backpropagate from `root`. With no `gradient`, root must hold a single element and the
 * seed is 1. Leaves accumulate into `.grad` (as in PyTorch, call zeroGrad between steps).
 */
export function backward(root: Tensor, gradient: Tensor | undefined, retainGraph: boolean,
                         onesLike: (t: Tensor) => Tensor): void {
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require grad (no input of the computation had requiresGrad = true, or it ran inside noGrad)');
  }
  if (!gradient) {
    if (root.size !== 1) {
      throw new Error(`backward: a gradient can be implied only for a single-element output, got shape [${root.shape.join(',')}]; pass the output gradient explicitly`);
    }
    gradient = onesLike(root);
  } else if (gradient.shape.length !== root.shape.length || gradient.shape.some((d, i) => d !== root.shape[i])) {
    // Same shape, not just the same size: a transposed or flattened gradient is a bug upstream.
    throw new Error(`backward: gradient shape [${gradient.shape.join(',')}] does not match the output shape [${root.shape.join(',')}]`);
  }
  // Gradient rules run with recording off: dnnkit computes first derivatives only, and a
  // recorded backward pass would keep every intermediate alive for nothing.
  withGradMode(false, () => propagate(root, gradient!, retainGraph));
}

function propagate(root: Tensor, gradient: Tensor, retainGraph: boolean): void {
  const grads = new Map<Tensor, Tensor>([[root, gradient]]);
  for (const t of reverseTopological(root)) {
    const g = grads.get(t);
    grads.delete(t);
    if (!g) continue;
    const node = t.gradFn;
    if (!node) {
      t.accumulateGrad(g);
      continue;
    }
    if (!node.backward) {
      throw new Error(`backward: the graph through '${node.name}' was already freed by an earlier backward(); pass { retainGraph: true } to the first call to backward twice`);
    }
    const inputGrads = node.backward(g);
    node.inputs.forEach((input, i) => {
      const ig = inputGrads[i];
      if (!ig || !input.requiresGrad) return;
      const previous = grads.get(input);
      grads.set(input, previous ? previous.addNoGrad(ig) : ig);
    });
    if (!retainGraph) node.backward = null;
  }
}
