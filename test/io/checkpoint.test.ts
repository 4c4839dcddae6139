import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/creation.js';
import { Generator } from '../../src/tensor/random.js';
import { assertThrowsWith } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-ckpt-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function state(): Record<string, unknown> {
  const g = new Generator(5);
  g.normal();   // leaves a spare value: part of the state
  return {
    model: { '0.weight': randn([4, 1, 3, 3]), '0.bias': randn([4]), 'bn.num_batches_tracked': new Tensor(Float32Array.of(7), []) },
    optimizer: { state: [{ momentumBuffer: randn([4, 1, 3, 3]) }, {}], paramGroups: [{ lr: 0.1, momentum: 0.9 }] },
    rng: g.getState(),
    fresh: new Generator(1).getState(),   // NaN spare must survive JSON
    epoch: 3, step: 120, history: [{ loss: 1.5, acc: 0.5 }], config: { name: 'fashion-cnn', activation: 'relu' },
    raw: Float32Array.of(1, -0, Infinity),
  };
}

test('checkpoint round trip keeps tensors, shapes, numbers (NaN, -0, Infinity) and structure bitwise', () => {
  const s = state();
  const p = join(dir, 'a.dnnkit');
  saveCheckpoint(p, s as never);
  const back = loadCheckpoint(p) as Record<string, any>;
  const w = back.model['0.weight'] as Tensor;
  assert.ok(w instanceof Tensor);
  assert.deepEqual(w.shape, [4, 1, 3, 3]);
  assert.deepEqual(w.data, (s.model as any)['0.weight'].data);
  assert.deepEqual(back.model['bn.num_batches_tracked'].shape, []);
  assert.deepEqual(back.optimizer.state[0].momentumBuffer.data, (s.optimizer as any).state[0].momentumBuffer.data);
  assert.deepEqual(back.rng, s.rng);
  assert.ok(Number.isNaN(back.fresh[4]));
  assert.deepEqual(back.history, s.history);
  assert.deepEqual(back.config, s.config);
  assert.ok(back.raw instanceof Float32Array);
  assert.ok(Object.is(back.raw[1], -0) && back.raw[2] === Infinity);
  // Restoring the generator state continues the same stream.
  const g = new Generator(0); g.setState(back.rng as number[]);
  const h = new Generator(5); h.normal();
  assert.equal(g.normal(), h.normal());
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left behind');
});

test('a corrupted, truncated or foreign file is refused and named', () => {
  const bytes = encodeCheckpoint(state() as never);
  const write = (name: string, b: Uint8Array): string => { const p = join(dir, name); writeFileSync(p, b); return p; };
  const flipped = Uint8Array.from(bytes); flipped[Math.floor(bytes.length / 2)]! ^= 1;
  assertThrowsWith(() => loadCheckpoint(write('flipped.dnnkit', flipped)), 'flipped.dnnkit', 'corrupted', 'checksum');
  assertThrowsWith(() => loadCheckpoint(write('cut.dnnkit', bytes.subarray(0, bytes.length - 100))), 'cut.dnnkit', 'corrupted');
  assertThrowsWith(() => loadCheckpoint(write('tiny.dnnkit', bytes.subarray(0, 20))), 'tiny.dnnkit', 'truncated');
  assertThrowsWith(() => loadCheckpoint(write('json.dnnkit', Buffer.from('{"not": "a checkpoint", "padding": "...................................."}'))), 'json.dnnkit', 'not a dnnkit checkpoint');
  assertThrowsWith(() => loadCheckpoint(join(dir, 'nope.dnnkit')), 'nope.dnnkit', 'no such file');
  assertThrowsWith(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 1), 'mem'), 'mem', 'corrupted');
});

test('saving replaces the old file atomically and rejects what it cannot store', () => {
  const p = join(dir, 'b.dnnkit');
  saveCheckpoint(p, { epoch: 1 });
  saveCheckpoint(p, { epoch: 2, w: randn([3]) });
  assert.equal((loadCheckpoint(p) as { epoch: number }).epoch, 2);
  assert.equal(readFileSync(p).subarray(0, 8).toString('latin1'), 'DNNKITCK');
  assertThrowsWith(() => saveCheckpoint(p, { bad: new Int32Array(2) } as never), 'bad', 'Int32Array');
  assertThrowsWith(() => saveCheckpoint(p, { m: new Map() } as never), 'm', 'Map');
  assert.equal((loadCheckpoint(p) as { epoch: number }).epoch, 2, 'a failed save leaves the previous checkpoint');
});

test('a checksum-valid file with a malformed header is still refused by name', async () => {
  const { createHash } = await import('node:crypto');
  const seal = (header: string, floats = 0): Uint8Array => {
    const h = Buffer.from(header);
    const start = Math.ceil((16 + h.length) / 4) * 4;
    const b = new Uint8Array(start + floats * 4 + 32);
    b.set(Buffer.from('DNNKITCK', 'latin1'));
    new DataView(b.buffer).setUint32(8, 1, true);
    new DataView(b.buffer).setUint32(12, h.length, true);
    b.set(h, 16);
    b.set(createHash('sha256').update(b.subarray(0, b.length - 32)).digest(), b.length - 32);
    return b;
  };
  assert.deepEqual(decodeCheckpoint(seal('{"blobs":[],"state":{"a":1}}')), { a: 1 });
  assertThrowsWith(() => decodeCheckpoint(seal('[1,2]'), 'x.dnnkit'), 'x.dnnkit', 'not an object');
  assertThrowsWith(() => decodeCheckpoint(seal('{"blobs":[{"kind":"tensor","shape":[-1],"offset":0,"length":1}],"state":null}', 1), 'y.dnnkit'), 'y.dnnkit', 'described wrongly');
  assertThrowsWith(() => decodeCheckpoint(seal('{"state":1}'), 'b.dnnkit'), 'b.dnnkit', "no 'blobs' list");
  assertThrowsWith(() => decodeCheckpoint(seal('{"blobs":[{"kind":"tensor","shape":[4],"offset":0,"length":4}],"state":null}', 2), 'z.dnnkit'), 'z.dnnkit', 'outside the 2 stored floats');
  assertThrowsWith(() => decodeCheckpoint(seal('{"blobs":'), 'j.dnnkit'), 'j.dnnkit', 'not valid JSON');
});
