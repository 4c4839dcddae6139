/**
 * How an ONNX operator plugs into the importer: each operator declares the attributes it
 * understands and a `prepare` step that checks them once, at load time, and returns the
 * kernel the graph runs. An operator whose weights are constants may also return the nn
 * Module it is (Conv -> nn.Conv2d, Gemm -> nn.Linear, ...), so the imported model has real
 * layers: parameters to fine-tune, a stateDict, and rows in `summary`.
 */
import type { Module } from '../../../nn/module.js';
import type { Attributes } from '../attributes.js';
import type { Value } from '../value.js';
import type { Tensor } from '../../../tensor/tensor.js';

export interface OnnxNode {
  /** Position in the file's node list (for unnamed nodes). */
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  /** Input value names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attributes;
  /** The model's opset version for the default domain. */
  readonly opset: number;
  /** `node 'name' (OpType)`, for messages. */
  readonly label: string;
}

export interface Limits {
  /** Largest number of elements any tensor (declared or computed) may have. */
  readonly maxElements: number;
}

export interface PrepareContext {
  readonly node: OnnxNode;
  /** Input i if it is a constant (initializer, Constant node, or folded), else undefined. */
  constant(i: number): Value | undefined;
  readonly limits: Limits;
}

export interface Prepared {
  /** Compute the node's outputs from its inputs (undefined for omitted optional inputs). */
  run(inputs: ReadonlyArray<Value | undefined>): Value[];
  /** The nn layer this node is, when it maps onto one (its weights then live in the module). */
  module?: Module;
  /**
   * run, then a Relu on its one output, as one op (a Conv held as an nn.Conv2d: its forwardRelu).
   * The model uses it when a plain Relu is the only reader of that output (model.ts).
   */
  runRelu?(inputs: ReadonlyArray<Value | undefined>): Value[];
  /** Input indices the module holds as parameters (the graph then feeds only input 0). */
  moduleOwns?: readonly number[];
  /**
   * The module tensors that came from constant inputs, by input index (transposed: stored
   * transposed relative to the file), so a trained model can be written back with its new values.
   */
  bindings?: ReadonlyArray<{ input: number; tensor: Tensor; transposed?: boolean }>;
}

export interface OpSpec {
  /** Attribute names this implementation understands (all others are rejected). */
  readonly attributes: readonly string[];
  /** Minimum and maximum inputs / outputs. */
  readonly inputs: readonly [number, number];
  readonly outputs: readonly [number, number];
  prepare(ctx: PrepareContext): Prepared;
}
