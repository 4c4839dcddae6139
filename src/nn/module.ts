/**
 * Module: the base of every layer and model (torch.nn.Module semantics, camelCase names).
 *
 * Parameters and sub-modules are ordinary fields: any own property holding a `Parameter` is a
 * parameter and any own property holding a `Module` is a child, named after the property, in
 * the order the fields were assigned (as PyTorch's __setattr__ records them). So a model reads
 *
 *     class Net extends Module {
 *       conv = new Conv2d(1, 8, 3);
 *       fc = new Linear(8, 10);
 *       forward(x: Tensor) { return this.fc.call(F.relu(this.conv.call(x)).mean([2, 3])); }
 *     }
 *
 * and its stateDict() keys are `conv.weight`, `conv.bias`, `fc.weight`, `fc.bias`, exactly
 * PyTorch's. Buffers (running statistics) are registered explicitly with registerBuffer, under
 * PyTorch's names (`running_mean`), so checkpoints map one-to-one onto PyTorch's.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import { Parameter } from './parameter.js';

/** What loadStateDict reports (strict=false) or rejects (strict=true). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

// Symbol keys: invisible to Object.keys, so never mistaken for parameters or children, and
// (unlike #private fields) copyable by clone().
const BUFFERS = Symbol('buffers');
const NON_PERSISTENT = Symbol('nonPersistent');
const HOOKS = Symbol('forwardHooks');

/** Called after forward with the module, its inputs and its output; may return a replacement output. */
export type ForwardHook = (module: Module, inputs: readonly Tensor[], output: Tensor) => Tensor | void;

/** What registerForwardHook returns. */
export interface HookHandle {
  remove(): void;
}

let nextHookId = 0;

/**
 * Whether `m.call(x)` is just `m.forward(x)`: no forward hooks and no call replaced on the
 * instance (execution-trace.ts instruments layers that way). A container may then run a
 * fused version of several such layers: nobody can observe the skipped intermediate.
 */
export function callIsForward(m: Module): boolean {
  return m[HOOKS].size === 0 && m.call === Module.prototype.call;
}

export abstract class Module {
  /** Training mode (dropout active, batch norm uses and updates batch statistics). */
  training = true;
  readonly [BUFFERS] = new Map<string, Tensor | null>();
  readonly [NON_PERSISTENT] = new Set<string>();
  readonly [HOOKS] = new Map<number, ForwardHook>();

  /** The computation. Subclasses narrow the signature, e.g. `forward(x: Tensor): Tensor`. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Run forward (the equivalent of calling a PyTorch module).
   * @example const y = model.call(x);
   */
  call(...inputs: Tensor[]): Tensor {
    let out = this.forward(...inputs);
    for (const hook of this[HOOKS].values()) {
      const replaced = hook(this, inputs, out);
      if (replaced !== undefined) out = replaced;
    }
    return out;
  }

  /**
   * Run `hook` after every call() of this module (tracing shapes, collecting activations).
   * @example
   *   const h = conv.registerForwardHook((m, [x], y) => console.log(x.shape, '->', y.shape));
   *   model.call(x); h.remove();
   */
  registerForwardHook(hook: ForwardHook): HookHandle {
    if (typeof hook !== 'function') throw new Error(`registerForwardHook: expected a function, got ${typeof hook}`);
    const id = nextHookId++;
    const hooks = this[HOOKS];
    hooks.set(id, hook);
    return { remove: () => { hooks.delete(id); } };
  }

  /**
   * Add a parameter under `name` (the same as assigning a Parameter field). null records
   * nothing: an absent parameter, like a Conv2d without bias.
   */
  registerParameter(name: string, value: Tensor | null): Parameter | null {
    checkName(name, 'registerParameter');
    const p = value === null ? null : Parameter.from(value, value.requiresGrad || !(value instanceof Parameter));
    defineField(this, name, p);
    return p;
  }

  /** Add a child module under `name` (the same as assigning a Module field). */
  registerModule(name: string, module: Module | null): Module | null {
    checkName(name, 'registerModule');
    if (module !== null && !(module instanceof Module)) {
      throw new Error(`registerModule: '${name}' must be a Module, got ${typeof module}`);
    }
    defineField(this, name, module);
    return module;
  }

  /**
   * Add a buffer: state that is saved and loaded but not trained (running mean/var).
   * `persistent: false` keeps it out of stateDict().
   * @example this.registerBuffer('running_mean', zeros([C]));
   */
  registerBuffer(name: string, value: Tensor | null, options: { persistent?: boolean } = {}): void {
    checkName(name, 'registerBuffer');
    if (value !== null && !(value instanceof Tensor)) {
      throw new Error(`registerBuffer: '${name}' must be a Tensor or null, got ${typeof value}`);
    }
    this[BUFFERS].set(name, value);
    if (options.persistent === false) this[NON_PERSISTENT].add(name);
    else this[NON_PERSISTENT].delete(name);
  }

  /** This module's own buffer `name` (undefined if none was registered). */
  getBuffer(name: string): Tensor | null | undefined {
    return this[BUFFERS].get(name);
  }

  /** This module's own parameters, by field name, in field order. */
  *namedOwnParameters(): Generator<[string, Parameter]> {
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const v = self[key];
      if (v instanceof Parameter) yield [key, v];
    }
  }

  /** Direct children with their field names, in field order. */
  *namedChildren(): Generator<[string, Module]> {
    const self = this as unknown as Record<string, unknown>;
    const seen = new Set<Module>();
    for (const key of Object.keys(this)) {
      const v = self[key];
      if (v instanceof Module && !seen.has(v)) { seen.add(v); yield [key, v]; }
    }
  }

  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and all below it, pre-order, with dotted names ('' for this one). */
  *namedModules(prefix = '', seen = new Set<Module>()): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) {
      yield* child.namedModules(prefix ? `${prefix}.${name}` : name, seen);
    }
  }

  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /**
   * Every parameter with its dotted name (`features.0.weight`), each tensor once.
   * @example for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   */
  *namedParameters(): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.namedOwnParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [prefix ? `${prefix}.${name}` : name, p];
      }
    }
  }

  /** All parameters (what an optimizer takes). @example new optim.SGD(model.parameters(), { lr: 0.1 }) */
  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Every buffer with its dotted name (`bn.running_mean`). */
  *namedBuffers(): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m[BUFFERS]) {
        if (b === null || seen.has(b)) continue;
        seen.add(b);
        yield [prefix ? `${prefix}.${name}` : name, b];
      }
    }
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  /** The sub-module at a dotted path ('features.0'); '' is this module. */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    for (const part of target.split('.')) {
      const next = (m as unknown as Record<string, unknown>)[part];
      if (!(next instanceof Module)) {
        throw new Error(`getSubmodule: ${m.constructor.name} has no sub-module '${part}' (looking up '${target}')`);
      }
      m = next;
    }
    return m;
  }

  /**
   * A deep copy: the same classes and hyper-parameters with copied parameters and buffers
   * (sharing inside the model is kept: a module or parameter used twice is copied once).
   * @example const ema = model.clone();
   */
  clone(): this {
    return deepCopy(this, new Map()) as this;
  }

  /** Apply fn to every module (children first, then this one), e.g. for custom init. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Turn gradients of every parameter on or off (freeze a backbone for fine-tuning).
   * @example model.features.setRequiresGrad(false)
   */
  setRequiresGrad(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Set training mode on this module and all below it.
   * @example model.train(); ... model.eval();
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Inference mode: batch norm uses running statistics, dropout is the identity. */
  eval(): this {
    return this.train(false);
  }

  /** Clear every parameter's gradient (set to null, as PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Parameters and persistent buffers by dotted name, as copies (a saved state does not change
   * when training continues). Keys are PyTorch's: a checkpoint maps one-to-one.
   * @example const state = model.stateDict(); state['0.weight'].shape
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [key, t] of this.stateEntries()) out[key] = new Tensor(t.data.slice(), t.shape);
    return out;
  }

  /**
   * Copy values into this module's parameters and buffers (in place, so optimizers holding
   * the parameters keep working). A shape mismatch is always an error; with strict (default)
   * missing or unexpected keys are too. Returns the keys that did not match.
   * @example model.loadStateDict(state); model.loadStateDict(partial, { strict: false });
   */
  loadStateDict(dict: Readonly<Record<string, Tensor>>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (dict === null || typeof dict !== 'object') {
      throw new Error(`loadStateDict: expected an object of tensors by name, got ${dict === null ? 'null' : typeof dict}`);
    }
    const own = new Map(this.stateEntries());
    // Checkpoints from before PyTorch 0.4.1 (some torchvision weights) and ONNX files have no
    // num_batches_tracked; PyTorch's BatchNorm accepts that, and so do we (the count is kept).
    const missingKeys = [...own.keys()].filter((k) => !(k in dict) && !k.endsWith('num_batches_tracked'));
    const unexpectedKeys = Object.keys(dict).filter((k) => !own.has(k));
    const problems: string[] = [];
    for (const [key, target] of own) {
      if (!(key in dict)) continue;
      const src = dict[key] as unknown;
      if (!(src instanceof Tensor)) {
        problems.push(`'${key}' must be a Tensor, got ${src === null ? 'null' : typeof src}`);
      } else if (!sameShape(src.shape, target.shape)) {
        problems.push(`size mismatch for '${key}': checkpoint has shape ${formatShape(src.shape)}, the model has ${formatShape(target.shape)}`);
      }
    }
    if (strict) {
      if (missingKeys.length) problems.push(`missing keys: ${listKeys(missingKeys)}`);
      if (unexpectedKeys.length) problems.push(`unexpected keys: ${listKeys(unexpectedKeys)}`);
    }
    if (problems.length) {
      throw new Error(`loadStateDict: cannot load into ${this.constructor.name}: ${problems.join('; ')}`);
    }
    for (const [key, target] of own) {
      const src = dict[key];
      if (src) target.data.set(src.data);
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Parameters then persistent buffers of each module, pre-order, without de-duplication: a
   * module placed twice appears under both names, as in PyTorch's state_dict.
   */
  private *stateEntries(prefix = '', path = new Set<Module>()): Generator<[string, Tensor]> {
    if (path.has(this)) return; // a cycle: a module containing itself
    path.add(this);
    const dotted = (name: string): string => (prefix ? `${prefix}.${name}` : name);
    for (const [name, p] of this.namedOwnParameters()) yield [dotted(name), p];
    for (const [name, b] of this[BUFFERS]) {
      if (b !== null && !this[NON_PERSISTENT].has(name)) yield [dotted(name), b];
    }
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const child = self[key];
      if (child instanceof Module) yield* child.stateEntries(dotted(key), path);
    }
    path.delete(this);
  }

  /** The hyper-parameters shown inside the parentheses of toString() (override per layer). */
  extraRepr(): string {
    return '';
  }

  /**
   * The module tree, laid out like PyTorch's repr.
   * @example console.log(String(model));
   */
  toString(): string {
    const lines: string[] = [];
    const extra = this.extraRepr();
    if (extra) lines.push(...extra.split('\n'));
    for (const [name, child] of this.namedChildren()) {
      lines.push(`(${name}): ${indent(child.toString())}`);
    }
    const head = this.constructor.name;
    if (lines.length === 0) return `${head}()`;
    if (lines.length === 1 && !extra.includes('\n') && [...this.namedChildren()].length === 0) return `${head}(${extra})`;
    return `${head}(\n${lines.map((l) => `  ${l}`).join('\n')}\n)`;
  }
}

function deepCopy(value: unknown, memo: Map<unknown, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const seen = memo.get(value);
  if (seen !== undefined) return seen;
  let out: unknown;
  if (value instanceof Parameter) {
    out = new Parameter(value.data.slice(), value.shape, value.requiresGrad);
  } else if (value instanceof Tensor) {
    out = new Tensor(value.data.slice(), value.shape);
  } else if (value instanceof Map) {
    const m = new Map();
    memo.set(value, m);
    for (const [k, v] of value) m.set(k, deepCopy(v, memo));
    return m;
  } else if (value instanceof Set) {
    out = new Set(value);
  } else if (Array.isArray(value)) {
    const a: unknown[] = [];
    memo.set(value, a);
    for (const v of value) a.push(deepCopy(v, memo));
    return Object.isFrozen(value) ? Object.freeze(a) : a;
  } else if (value instanceof Module) {
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Module;
    memo.set(value, copy);
    for (const key of Reflect.ownKeys(value)) {
      const desc = Object.getOwnPropertyDescriptor(value, key)!;
      if ('value' in desc) desc.value = deepCopy(desc.value, memo);
      Object.defineProperty(copy, key, desc);
    }
    return copy;
  } else {
    // Plain option objects and the like: shared (modules treat them as immutable).
    out = value;
  }
  memo.set(value, out);
  return out;
}

/** Up to 10 quoted keys, then how many more. */
function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => `'${k}'`).join(', ');
  return keys.length > 10 ? `${shown} and ${keys.length - 10} more` : shown;
}

function indent(text: string): string {
  return text.split('\n').map((l, i) => (i === 0 ? l : `  ${l}`)).join('\n');
}

function checkName(name: string, where: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new Error(`${where}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }
}

/** An own, enumerable, writable field (what a class field assignment creates). */
function defineField(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}
