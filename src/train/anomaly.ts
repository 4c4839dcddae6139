/**
 * Anomaly detection for training (like PyTorch's torch.autograd.detect_anomaly, at layer
 * granularity): find where a NaN or an infinity first appears — the input batch, the output of
 * a layer whose input was finite, a parameter's gradient, or a parameter or buffer after the
 * optimizer step — and stop with an error naming it and the step.
 *
 * It costs a scan of every layer output, gradient and parameter per step, so it is off by
 * default; fit() always checks the loss itself (one number) and stops on a non-finite loss.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { HookHandle, Module } from '../nn/module.js';

/** Index of the first NaN or ±Infinity in `a`, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    // v - v is NaN exactly for NaN and ±Infinity; cheaper than Number.isFinite per element.
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Where a training step stands, for the message. */
export interface StepPlace { step: number; epoch: number; batch: number; batches: number }

function place(p: StepPlace): string {
  return `step ${p.step} (epoch ${p.epoch + 1}, batch ${p.batch + 1} of ${p.batches})`;
}

function describe(t: Tensor, i: number): string {
  return `${t.data[i]} at element ${i} of shape [${t.shape.join(', ')}]`;
}

/** Thrown when training meets a non-finite value; `step` is the 1-based optimizer step. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
  constructor(message: string, readonly step: number) { super(message); }
}

/**
 * Watches one model through a training step. Call the checks in order:
 * beginStep(x) -> forward -> afterForward() -> backward -> afterBackward() -> optimizer.step() -> afterStep().
 * @example
 *   const watch = new AnomalyDetector(model);
 *   watch.beginStep(x, where); const y = model.call(x); watch.afterForward(where); ...
 *   watch.remove();
 */
export class AnomalyDetector {
  private first: string | null = null;
  private readonly handles: HookHandle[] = [];

  constructor(private readonly model: Module) {
    for (const [name, m] of model.namedModules()) {
      this.handles.push(m.registerForwardHook((mod, inputs, output) => {
        if (this.first !== null) return;
        const i = firstNonFinite(output.data);
        if (i < 0) return;
        // Hooks fire innermost first, so the first non-finite output is the layer that made it.
        const finiteIn = inputs.every((x) => firstNonFinite(x.data) < 0);
        this.first = `the output of layer '${name || '(model)'}' (${mod.constructor.name}) is ${describe(output, i)}${finiteIn ? ' although its input was finite' : ''}`;
      }));
    }
  }

  beginStep(input: Tensor, where: StepPlace): void {
    this.first = null;
    const i = firstNonFinite(input.data);
    if (i >= 0) throw new NonFiniteError(`anomaly at ${place(where)}: the input batch is ${describe(input, i)}`, where.step);
  }

  afterForward(loss: Tensor, where: StepPlace): void {
    if (this.first !== null) throw new NonFiniteError(`anomaly at ${place(where)}: ${this.first}`, where.step);
    if (firstNonFinite(loss.data) >= 0) throw new NonFiniteError(`anomaly at ${place(where)}: the loss is ${loss.data[0]} although every layer output was finite`, where.step);
  }

  afterBackward(where: StepPlace): void {
    for (const [name, p] of this.model.namedParameters()) {
      if (!p.grad) continue;
      const i = firstNonFinite(p.grad.data);
      if (i >= 0) throw new NonFiniteError(`anomaly at ${place(where)}: the gradient of parameter '${name}' is ${describe(p.grad, i)} (the loss and every layer output were finite)`, where.step);
    }
  }

  afterStep(where: StepPlace): void {
    for (const [name, p] of this.model.namedParameters()) {
      const i = firstNonFinite(p.data);
      if (i >= 0) throw new NonFiniteError(`anomaly at ${place(where)}: parameter '${name}' became ${describe(p, i)} in the optimizer step (its gradient was finite; learning rate too large?)`, where.step);
    }
    for (const [name, b] of this.model.namedBuffers()) {
      const i = firstNonFinite(b.data);
      if (i >= 0) throw new NonFiniteError(`anomaly at ${place(where)}: buffer '${name}' became ${describe(b, i)}`, where.step);
    }
  }

  /** Remove the hooks from the model. */
  remove(): void {
    for (const h of this.handles.splice(0)) h.remove();
  }
}
