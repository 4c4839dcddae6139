/** Sequential: modules applied one after another, children named '0', '1', ... as PyTorch. */
import type { Tensor } from '../tensor/tensor.js';
import { Module, callIsForward } from './module.js';
import { BatchNormBase } from './batchnorm.js';
import { ReLU, Tanh } from './activation.js';
import { AvgPool2d, MaxPool2d } from './pool.js';
import { Conv2d } from './conv.js';

/**
 * The Module-valued own fields in order, duplicates kept: a layer placed twice in a Sequential
 * runs twice (children() lists it once, as PyTorch's does).
 */
function layersOf(m: Module): Module[] {
  const self = m as unknown as Record<string, unknown>;
  return Object.keys(m).map((k) => self[k]).filter((v): v is Module => v instanceof Module);
}

/**
 * A chain of modules; `seq[i]` / `seq.at(i)` reach a layer, `add` appends one. Built from
 * modules (named by position) or from an object of named modules (names kept, in order).
 * @example
 *   const net = new Sequential(new Conv2d(1, 6, 5), new ReLU(), new MaxPool2d(2));
 *   net[0]                // the Conv2d; stateDict keys '0.weight', '0.bias'
 *   net.add(new Flatten());
 * @example new Sequential({ conv: new Conv2d(3, 8, 3), relu: new ReLU() })  // keys 'conv.weight', ...
 */
export class Sequential extends Module {
  /** The i-th layer (the same as at(i) for i >= 0). */
  readonly [index: number]: Module;

  constructor(...modules: Module[] | [Readonly<Record<string, Module>>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first !== undefined && !(first instanceof Module) && typeof first === 'object') {
      for (const [name, m] of Object.entries(first)) this.add(m, name);
    } else {
      for (const m of modules as Module[]) this.add(m);
    }
  }

  /**
   * Append a module, named by its position unless a name is given; returns this.
   * @example seq.add(new ReLU())
   */
  add(module: Module, name?: string): this {
    if (!(module instanceof Module)) {
      throw new Error(`Sequential.add: expected a Module, got ${module === null ? 'null' : typeof module}${name !== undefined ? ` for '${name}'` : ''}`);
    }
    const key = name ?? String(this.length);
    if (Object.prototype.hasOwnProperty.call(this, key)) throw new Error(`Sequential.add: a module named '${key}' already exists`);
    this.registerModule(key, module);
    return this;
  }

  /** Number of layers. */
  get length(): number {
    return layersOf(this).length;
  }

  /** The layer at position i; negative counts from the end. */
  at(i: number): Module {
    const list = layersOf(this);
    const j = i < 0 ? list.length + i : i;
    const m = list[j];
    if (!Number.isInteger(i) || m === undefined) {
      throw new Error(`Sequential.at: index ${i} is out of range for ${list.length} layers`);
    }
    return m;
  }

  [Symbol.iterator](): Iterator<Module> {
    return layersOf(this)[Symbol.iterator]();
  }

  override forward(x: Tensor): Tensor {
    const layers = layersOf(this);
    let y = x;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!, next = layers[i + 1], third = layers[i + 2];
      if (next && third && fusesWithRelu(m, next) && third instanceof MaxPool2d &&
          third.forward === MaxPool2d.prototype.forward && callIsForward(third)) {
        // MaxPool2d.forward's options, so the fused op pools exactly as the layer would.
        y = m.forwardReluMaxPool(y, third.options());
        i += 2;
        continue;
      }
      if (next && fusesWithRelu(m, next)) {
        y = m.forwardRelu(y);
        i++;
        continue;
      }
      if (next && convFusesWithRelu(m, next)) {
        y = m.forwardRelu(y);
        i++;
        continue;
      }
      if (next && fusesWithTanh(m, next)) {
        const pool = third !== undefined && isFusablePool(third);
        y = m.forwardTanh(y, pool);
        i += pool ? 2 : 1;
        continue;
      }
      y = m.call(y);
    }
    return y;
  }
}

/**
 * A BatchNorm followed by a ReLU runs as one fused op (BatchNormBase.forwardRelu: the same
 * values and gradients, one pass and one tensor fewer), and with a MaxPool2d after them as
 * another (forwardReluMaxPool), when no layer's call can be observed or changed: plain
 * classes' forwards, no hooks, no instrumented call.
 */
function fusesWithRelu(m: Module, next: Module): m is BatchNormBase {
  return m instanceof BatchNormBase && next instanceof ReLU && m.forward === BatchNormBase.prototype.forward &&
    next.forward === ReLU.prototype.forward && callIsForward(m) && callIsForward(next);
}

/**
 * A Conv2d followed by a Tanh runs as one op (Conv2d.forwardTanh: the same values and
 * gradients; on wasm one kernel call each way for LeNet-5's layers), and with a 2x2 AvgPool2d
 * after them as another, under the same conditions as the BatchNorm fusions.
 */
function fusesWithTanh(m: Module, next: Module): m is Conv2d {
  return m instanceof Conv2d && next instanceof Tanh && m.forward === Conv2d.prototype.forward &&
    next.forward === Tanh.prototype.forward && callIsForward(m) && callIsForward(next);
}

/**
 * A Conv2d followed by a ReLU runs as one op (Conv2d.forwardRelu: the same values and
 * gradients; on wasm the ReLU is applied in the conv kernel, and the pre-activation is never
 * kept), under the same conditions as the BatchNorm fusions.
 */
export function convFusesWithRelu(m: Module, next: Module): m is Conv2d {
  return m instanceof Conv2d && next instanceof ReLU && m.forward === Conv2d.prototype.forward &&
    next.forward === ReLU.prototype.forward && callIsForward(m) && callIsForward(next);
}

/** AvgPool2d(2): stride 2, no padding, floor mode, a plain forward and no observer. */
function isFusablePool(m: Module): boolean {
  return m instanceof AvgPool2d && m.forward === AvgPool2d.prototype.forward && callIsForward(m) &&
    m.kernelSize[0] === 2 && m.kernelSize[1] === 2 && m.stride[0] === 2 && m.stride[1] === 2 &&
    m.padding[0] === 0 && m.padding[1] === 0 && !m.ceilMode;
}

/**
 * A list of modules registered as children (named '0', '1', ...) without a forward of its own;
 * for models that loop over blocks themselves.
 * @example this.blocks = new ModuleList([block1, block2]); for (const b of this.blocks) x = b.call(x);
 */
export class ModuleList extends Module {
  readonly [index: number]: Module;

  constructor(modules: readonly Module[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: Module): this {
    if (!(module instanceof Module)) throw new Error(`ModuleList.append: expected a Module, got ${module === null ? 'null' : typeof module}`);
    this.registerModule(String(this.length), module);
    return this;
  }

  get length(): number {
    return layersOf(this).length;
  }

  [Symbol.iterator](): Iterator<Module> {
    return layersOf(this)[Symbol.iterator]();
  }

  override forward(): Tensor {
    throw new Error('ModuleList: has no forward; iterate over its modules instead');
  }
}
