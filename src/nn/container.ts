/** Sequential: modules applied one after another, children named '0', '1', ... as PyTorch. */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

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
    let y = x;
    for (const m of layersOf(this)) y = m.call(y);
    return y;
  }
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
