/**
 * What a zoo entry is: a named network after a paper, with the paper's input size as default,
 * defined as an architecture description (arch.ts) so it can be summarised without weights
 * and built into an nn Module on demand.
 */
import type { Arch } from './arch.js';
import type { Module } from '../nn/module.js';
import { outputShapeOf } from '../analysis/trace.js';
import { sizeOf } from '../tensor/shape.js';

/** Options every zoo entry understands. */
export interface ZooOptions {
  /** [C, H, W] of one input image; defaults to the paper's. FC sizes follow from it. */
  inputShape?: readonly number[];
  /** Classifier outputs; defaults to the paper's (1000 for ImageNet, 10 for digits). */
  numClasses?: number;
}

export interface ZooEntry {
  readonly name: string;
  /** One line: what the network is. */
  readonly title: string;
  /** The paper (or code) it follows. */
  readonly source: string;
  /** Where and why this definition departs from the paper, if it does. */
  readonly notes?: string;
  /** Default input [C, H, W]. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** The architecture for resolved options. */
  arch(options: Required<ZooOptions>): Arch;
  /** Build the module directly (entries defined as nn code elsewhere); default: build the arch. */
  create?(options: Required<ZooOptions>): Module;
}

/**
 * Elements per image after `features`: the in-features of the first FC layer, which follow
 * from the input size (so a network can be built for a smaller input than the paper's).
 */
export function flatSize(features: Arch, inputShape: readonly number[]): number {
  const out = outputShapeOf(features, [1, ...inputShape]);
  return sizeOf(out.slice(1));
}
