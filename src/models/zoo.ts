/**
 * The model zoo: named networks after their papers, each with the paper's input size as
 * default. `zoo.create(name)` builds a runnable nn Module (weights initialised as PyTorch
 * does, from the seeded generator); `zoo.arch(name)` gives the weight-free description that
 * `summary` traces.
 *
 * @example
 *   import { zoo, summary } from 'dnnkit';
 *   zoo.list()                                     // ['lenet5', 'alexnet', ...]
 *   const net = zoo.create('lenet5');
 *   net.call(randn([1, 1, 32, 32])).shape           // [1, 10]
 *   summary(zoo.arch('vgg16'), zoo.inputShape('vgg16')).totals.macs   // 15470264320
 */
import type { Module } from '../nn/module.js';
import { nameModel } from '../analysis/describe-module.js';
import type { Arch } from './arch.js';
import { buildModel } from './build.js';
import type { ZooEntry, ZooOptions } from './entry.js';
import { alexnet } from './alexnet.js';
import { googlenet } from './googlenet.js';
import { lenet5 } from './lenet5.js';
import { mobilenet } from './mobilenet.js';
import { resnet50 } from './resnet50.js';
import { vgg16 } from './vgg16.js';
import { autoencoderEntry, fashionCnnEntry } from './training-models.js';

export type { ZooEntry, ZooOptions } from './entry.js';

const entries = new Map<string, ZooEntry>();

/** Add an entry (the training code registers its default CNN and autoencoder this way). */
export function register(entry: ZooEntry): void {
  if (entries.has(entry.name)) throw new Error(`zoo.register: a model named '${entry.name}' already exists`);
  entries.set(entry.name, entry);
}

for (const e of [lenet5, alexnet, vgg16, googlenet, resnet50, mobilenet, fashionCnnEntry, autoencoderEntry]) register(e);

/** Names of all zoo models, in registration order. */
export function list(): string[] {
  return [...entries.keys()];
}

/** The zoo entry for `name` (title, source, notes, default input), or an error listing the names. */
export function entry(name: string): ZooEntry {
  const e = entries.get(name);
  if (!e) throw new Error(`zoo: unknown model '${name}'; known models: ${list().join(', ')}`);
  return e;
}

/** True if `name` is a zoo model. */
export function has(name: string): boolean {
  return entries.has(name);
}

function resolve(name: string, options: ZooOptions): Required<ZooOptions> {
  const e = entry(name);
  const inputShape = options.inputShape ?? e.inputShape;
  if (inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`zoo.create('${name}'): inputShape must be [C, H, W] positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const numClasses = options.numClasses ?? e.numClasses;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`zoo.create('${name}'): numClasses must be a positive integer, got ${numClasses}`);
  }
  return { inputShape, numClasses };
}

/** The default input [C, H, W] of a zoo model (or the one given in options). */
export function inputShape(name: string, options: ZooOptions = {}): number[] {
  return [...resolve(name, options).inputShape];
}

/** The weight-free architecture description of a zoo model. */
export function arch(name: string, options: ZooOptions = {}): Arch {
  const resolved = resolve(name, options);
  try {
    return nameModel(entry(name).arch(resolved), name);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`zoo: cannot build '${name}' for input ${resolved.inputShape.join('x')}: ${why}`);
  }
}

/**
 * Build a zoo model as an nn Module (training mode, PyTorch default initialisation).
 * A smaller `inputShape` than the paper's resizes the first FC layer to fit.
 *
 * @example zoo.create('alexnet', { inputShape: [3, 67, 67], numClasses: 10 })
 */
export function create(name: string, options: ZooOptions = {}): Module {
  const e = entry(name);
  return nameModel(e.create ? e.create(resolve(name, options)) : buildModel(arch(name, options)), name);
}
