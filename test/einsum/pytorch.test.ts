/**
 * The layer einsums against PyTorch itself: forward and every gradient of the golden cases in
 * test/fixtures/ops (made by scripts/make-op-fixtures.py), evaluated straight through the
 * builders and referenceContract — no op code involved, so a failure here is the einsum's.
 */
import { test } from 'node:test';
import { assertClose, readJson } from '../helpers.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { avgPool2dEinsum, conv2dEinsum, convTranspose2dEinsum } from '../../src/einsum/layers.js';

interface Enc { shape: number[]; data: string }
interface Case {
  name: string;
  options: Record<string, unknown>;
  inputs: Record<string, Enc>;
  out: Enc;
  R: Enc;
  grads: Record<string, Enc>;
}

function dec(t: Enc): Float32Array {
  const b = Buffer.from(t.data, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
const pair = (v: unknown, dflt: number): [number, number] =>
  v === undefined ? [dflt, dflt] : Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number];
const cases = (family: string): Case[] => readJson<{ cases: Case[] }>('test', 'fixtures', 'ops', `${family}.json`).cases;

for (const c of cases('conv2d')) {
  test(`conv2d einsum vs PyTorch: ${c.name}`, () => {
    const [N, C, H, W] = c.inputs['x']!.shape as [number, number, number, number];
    const [M, , R, S] = c.inputs['w']!.shape as [number, number, number, number];
    const [, , P, Q] = c.out.shape as [number, number, number, number];
    const [U, V] = pair(c.options['stride'], 1);
    const [DH, DW] = pair(c.options['dilation'], 1);
    const groups = (c.options['groups'] as number | undefined) ?? 1;
    let [PH, PW] = [0, 0];
    const pad = c.options['padding'];
    if (pad === 'same') {
      // Whatever the total, the top/left share is the floor of half (the bottom/right rest is implied by P, Q).
      PH = Math.floor(Math.max((P - 1) * U + DH * (R - 1) + 1 - H, 0) / 2);
      PW = Math.floor(Math.max((Q - 1) * V + DW * (S - 1) + 1 - W, 0) / 2);
    } else if (pad !== 'valid') [PH, PW] = pair(pad, 0);
    const hasBias = 'b' in c.inputs;
    const e = conv2dEinsum({ N, C, H, W, M, R, S, P, Q, strideH: U, strideW: V, padTop: PH, padLeft: PW,
      dilationH: DH, dilationW: DW, groups }, hasBias);
    const I = dec(c.inputs['x']!), F = dec(c.inputs['w']!);
    const ops: Record<string, Float32Array> = { I, F, dO: dec(c.R), ...(hasBias ? { B: dec(c.inputs['b']!) } : {}) };
    assertClose(referenceContract(e, 'O', ops), dec(c.out), `${c.name}: output`, 1e-5, 1e-5);
    assertClose(referenceContract(e, 'I', ops), dec(c.grads['x']!), `${c.name}: d input`, 1e-5, 1e-5);
    assertClose(referenceContract(e, 'F', ops), dec(c.grads['w']!), `${c.name}: d weight`, 1e-5, 1e-5);
    if (hasBias) assertClose(referenceContract(e, 'B', ops), dec(c.grads['b']!), `${c.name}: d bias`, 1e-5, 1e-5);
  });
}

for (const c of cases('conv-transpose2d')) {
  test(`convTranspose2d einsum vs PyTorch: ${c.name}`, () => {
    const [N, C, H, W] = c.inputs['x']!.shape as [number, number, number, number];
    const [, , R, S] = c.inputs['w']!.shape as [number, number, number, number];
    const [, M, P, Q] = c.out.shape as [number, number, number, number];
    const [U, V] = pair(c.options['stride'], 1);
    const [DH, DW] = pair(c.options['dilation'], 1);
    const [PH, PW] = pair(c.options['padding'], 0);
    const groups = (c.options['groups'] as number | undefined) ?? 1;
    const hasBias = 'b' in c.inputs;
    const e = convTranspose2dEinsum({ N, C, H, W, M, R, S, P, Q, strideH: U, strideW: V, padTop: PH, padLeft: PW,
      dilationH: DH, dilationW: DW, groups }, hasBias);
    const ops: Record<string, Float32Array> = { I: dec(c.inputs['x']!), F: dec(c.inputs['w']!), dO: dec(c.R),
      ...(hasBias ? { B: dec(c.inputs['b']!) } : {}) };
    assertClose(referenceContract(e, 'O', ops), dec(c.out), `${c.name}: output`, 1e-5, 1e-5);
    assertClose(referenceContract(e, 'I', ops), dec(c.grads['x']!), `${c.name}: d input`, 1e-5, 1e-5);
    assertClose(referenceContract(e, 'F', ops), dec(c.grads['w']!), `${c.name}: d weight`, 1e-5, 1e-5);
    if (hasBias) assertClose(referenceContract(e, 'B', ops), dec(c.grads['b']!), `${c.name}: d bias`, 1e-5, 1e-5);
  });
}

// Only the cases whose divisor is the full window R*S; the other divisors are the op's job.
for (const c of cases('avg-pool2d').filter((k) => !k.options['ceilMode'] && k.options['countIncludePad'] !== false)) {
  test(`avgPool2d einsum vs PyTorch: ${c.name}`, () => {
    const [N, C, H, W] = c.inputs['x']!.shape as [number, number, number, number];
    const [, , P, Q] = c.out.shape as [number, number, number, number];
    const [R, S] = pair(c.options['kernelSize'], 1);
    const [U, V] = pair(c.options['stride'] ?? c.options['kernelSize'], 1);
    const [PH, PW] = pair(c.options['padding'], 0);
    const e = avgPool2dEinsum({ N, C, H, W, R, S, P, Q, strideH: U, strideW: V, padTop: PH, padLeft: PW, dilationH: 1, dilationW: 1 });
    const ops = { I: dec(c.inputs['x']!), dO: dec(c.R) };
    assertClose(referenceContract(e, 'O', ops), dec(c.out), `${c.name}: output`, 1e-5, 1e-6);
    assertClose(referenceContract(e, 'I', ops), dec(c.grads['x']!), `${c.name}: d input`, 1e-5, 1e-6);
  });
}
