/**
 * A node's attributes, read by name with the type the operator spec gives. Reading an
 * attribute marks it used; the loader rejects a node whose attributes it does not know, so
 * nothing a model asks for is silently ignored.
 */
import { OnnxError } from './errors.js';
import { AttributeType, type AttributeProto, type TensorProto } from './schema.js';
import { int64 } from './tensor-proto.js';

const utf8 = new TextDecoder();

export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(list: readonly AttributeProto[], private readonly where: string) {
    for (const a of list) {
      if (this.byName.has(a.name)) throw new OnnxError(`${where}: attribute '${a.name}' appears twice`);
      if (a.refAttrName) throw new OnnxError(`${where}: attribute '${a.name}' refers to a function attribute (ref_attr_name), which is not supported`);
      this.byName.set(a.name, a);
    }
  }

  names(): string[] { return [...this.byName.keys()]; }
  has(name: string): boolean { return this.byName.has(name); }

  private get(name: string, type: number, typeName: string): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    // Writers before IR v2 left `type` unset; accept those when the payload field is present.
    if (a.type !== type && a.type !== AttributeType.UNDEFINED) {
      throw new OnnxError(`${this.where}: attribute '${name}' must be ${typeName}, the file has type ${a.type}`);
    }
    return a;
  }

  int(name: string, fallback: number): number {
    const a = this.get(name, AttributeType.INT, 'an INT');
    return a ? int64(a.i, `${this.where}: attribute '${name}'`) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.get(name, AttributeType.FLOAT, 'a FLOAT');
    return a ? a.f : fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, AttributeType.STRING, 'a STRING');
    return a ? utf8.decode(a.s) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.INTS, 'INTS');
    return a ? a.ints.map((v, i) => int64(v, `${this.where}: attribute '${name}'[${i}]`)) : undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.FLOATS, 'FLOATS');
    return a ? [...a.floats] : undefined;
  }

  tensor(name: string): TensorProto | undefined {
    const a = this.get(name, AttributeType.TENSOR, 'a TENSOR');
    if (a && !a.t) throw new OnnxError(`${this.where}: attribute '${name}' has no tensor`);
    return a?.t ?? undefined;
  }
}
