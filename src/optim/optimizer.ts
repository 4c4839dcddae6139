/**
 * Optimizer: the base of SGD, Adam and AdamW (torch.optim.Optimizer semantics). It holds
 * parameter groups (each a list of parameters plus its own hyper-parameters, which schedules
 * change) and per-parameter state (momentum buffers, moment estimates), and saves both so a
 * run resumes exactly.
 *
 * Updates run inside noGrad and write param.data in place, so modules and everything else
 * holding the parameter see the new values. The arithmetic rounds to float32 where each of
 * PyTorch's tensor ops rounds, and `a.add_(b, alpha)` is a fused multiply-add as in PyTorch's
 * vectorised CPU kernel (alpha·b is exact in a double, so one rounding remains): on the golden
 * fixtures the parameters after six steps are bit-identical to PyTorch 1.13's in all but one
 * element of 864.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/graph.js';
import { clipGradAgc, type AgcOptions } from './clip.js';

/** Options every optimizer accepts. */
export interface BaseOptions {
  lr: number;
  /**
   * Adaptive gradient clipping (Brock et al. 2021) applied to each group's gradients before
   * the update; null or absent = off.
   */
  agc?: AgcOptions | null;
}

/** A group as passed in: its parameters and any hyper-parameters that differ from the defaults. */
export type ParamGroupInput<H> = { params: Iterable<Tensor> } & Partial<H>;

/** A group as held: parameters plus every hyper-parameter. */
export type ParamGroup<H> = H & { params: Tensor[] };

/** Per-parameter state: tensors (copied) and numbers. */
export type ParamState = Record<string, Tensor | number>;

/**
 * A saved optimizer, PyTorch's layout: state by parameter index (counting across groups in
 * order) and the groups' hyper-parameters with their parameter indices.
 */
export interface OptimizerStateDict {
  state: Record<string, ParamState>;
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

/** float32 rounding of one operation's result, as a float32 tensor op rounds. */
export const f32 = Math.fround;

export abstract class Optimizer<H extends BaseOptions = BaseOptions> {
  readonly defaults: Readonly<H>;
  readonly paramGroups: Array<ParamGroup<H>> = [];
  /** State per parameter (empty until the first step that updates it). */
  readonly state = new Map<Tensor, ParamState>();

  protected constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<H>>, defaults: H) {
    const where = this.constructor.name;
    checkLr(defaults.lr, where);
    this.defaults = defaults;
    const list = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    if (list.length === 0) throw new Error(`${where}: got an empty parameter list`);
    if (list.every((p) => p instanceof Tensor)) {
      this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<H>);
    } else if (list.every((p) => !(p instanceof Tensor) && typeof p === 'object' && p !== null && 'params' in p)) {
      for (const g of list as Array<ParamGroupInput<H>>) this.addParamGroup(g);
    } else {
      throw new Error(`${where}: params must be an iterable of Tensors or of groups { params, ...options }`);
    }
  }

  /**
   * Add a group of parameters with its own hyper-parameters (e.g. no weight decay on biases).
   * @example opt.addParamGroup({ params: head.parameters(), lr: 0.01 })
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    const where = this.constructor.name;
    const params = [...group.params];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${where}: parameter ${i} of group ${this.paramGroups.length} is not a Tensor`);
      if (!p.isLeaf) throw new Error(`${where}: parameter ${i} of group ${this.paramGroups.length} (shape ${formatShape(p.shape)}) is not a leaf tensor; optimize leaves such as module parameters`);
    });
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (seen.has(p)) throw new Error(`${where}: a parameter (shape ${formatShape(p.shape)}) appears in more than one group`);
      seen.add(p);
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<H>;
    checkLr(full.lr, where);
    this.checkGroup(full);
    this.paramGroups.push(full);
  }

  /** Validate a group's hyper-parameters (each optimizer checks its own). */
  protected abstract checkGroup(group: ParamGroup<H>): void;

  /** Update one group's parameters from their gradients (called inside noGrad). */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /**
   * One optimisation step over every parameter that has a gradient.
   * @example loss.backward(); opt.step(); opt.zeroGrad();
   */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        if (group.agc) clipGradAgc(group.params, group.agc);
        this.updateGroup(group);
      }
    });
  }

  /** Clear the gradients of every parameter (set to null). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** The state of parameter p, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) { s = {}; this.state.set(p, s); }
    return s;
  }

  /**
   * Hyper-parameters and per-parameter state, as copies (resume exactly with loadStateDict).
   * @example const saved = opt.stateDict(); ...; opt.loadStateDict(saved);
   */
  stateDict(): OptimizerStateDict {
    const state: Record<string, ParamState> = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const ids: number[] = [];
      for (const p of g.params) {
        const s = this.state.get(p);
        if (s) state[String(index)] = copyState(s);
        ids.push(index++);
      }
      const { params: _params, ...hyper } = g;
      paramGroups.push({ ...structuredClone(hyper as Record<string, unknown>), params: ids });
    }
    return { state, paramGroups };
  }

  /**
   * Restore hyper-parameters and state saved by stateDict() of an optimizer built over the
   * same parameters (same groups, sizes and shapes).
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (!dict || typeof dict !== 'object' || !Array.isArray(dict.paramGroups) || typeof dict.state !== 'object' || dict.state === null) {
      throw new Error(`${where}: expected { state, paramGroups } as made by stateDict()`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${where}: the saved state has ${dict.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    dict.paramGroups.forEach((saved, gi) => {
      const params = this.paramGroups[gi]!.params;
      if (!Array.isArray(saved.params) || saved.params.length !== params.length) {
        throw new Error(`${where}: group ${gi} has ${Array.isArray(saved.params) ? saved.params.length : 'no'} saved parameters, this optimizer's group has ${params.length}`);
      }
      saved.params.forEach((id, i) => byIndex.set(id, params[i]!));
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(dict.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw new Error(`${where}: state for parameter ${key}, which no group lists`);
      for (const [name, v] of Object.entries(s)) {
        if (v instanceof Tensor && !sameShape(v.shape, p.shape) && v.size !== 1) {
          throw new Error(`${where}: state '${name}' of parameter ${key} has shape ${formatShape(v.shape)}, the parameter has ${formatShape(p.shape)}`);
        }
      }
      newState.set(p, copyState(s));
    }
    dict.paramGroups.forEach((saved, gi) => {
      const { params: _params, ...hyper } = saved;
      Object.assign(this.paramGroups[gi]!, structuredClone(hyper));
    });
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }
}

function copyState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = v instanceof Tensor ? new Tensor(v.data.slice(), v.shape) : v;
  return out;
}

function checkLr(lr: unknown, where: string): void {
  if (typeof lr !== 'number' || !(lr >= 0)) throw new Error(`${where}: lr must be a number >= 0, got ${String(lr)}`);
}

/** Check a hyper-parameter is a finite number in [min, max]. */
export function checkRange(where: string, name: string, v: unknown, min: number, max = Infinity, maxOpen = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (maxOpen ? v < max : v <= max);
  if (!ok) {
    throw new Error(`${where}: ${name} must be a number in [${min}, ${max}${maxOpen ? ')' : ']'}, got ${String(v)}`);
  }
}
