import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc } from 'node:zlib';
import { chartRow, lineChart, niceTicks } from '../../src/plot/svg-chart.js';
import { crc32, decodePgm, decodePng, encodePng } from '../../src/plot/png.js';
import { assertThrowsWith } from '../helpers.js';

test('nice ticks are round numbers covering the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.13, 0.97, 4), [0.25, 0.5, 0.75]);
  assert.deepEqual(niceTicks(0, 937, 5), [0, 200, 400, 600, 800]);
});

test('line chart: one polyline per series, legend, axis labels, escaped text, gaps', () => {
  const svg = lineChart({
    title: 'loss & accuracy', xLabel: 'epoch', yLabel: 'loss',
    series: [{ name: 'train <a>', points: [[1, 2], [2, 1], [3, NaN], [4, 0.5], [5, 0.4]] }, { name: 'test', points: [[1, 2.2], [5, 0.6]], dashed: true }],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 3, 'the NaN splits the first series in two');
  assert.ok(svg.includes('train &lt;a&gt;') && svg.includes('loss &amp; accuracy') && svg.includes('>epoch<'));
  assert.ok(svg.includes('stroke-dasharray="6 4"'));
  const two = chartRow([{ series: [] }, { series: [{ name: 'a', points: [[0, 0.5]] }], yRange: [0, 1], hLine: { y: 0.9, label: 'target' } }]);
  assert.ok(two.includes('<circle') && two.includes('target'));
});

test('PNG: CRC-32 matches zlib, encode/decode round trip gray and RGB, corruption is named', () => {
  const b = Buffer.from('dnnkit PNG check');
  assert.equal(crc32(b), zlibCrc(b));
  const w = 7, h = 5;
  const gray = Uint8Array.from({ length: w * h }, (_, i) => (i * 37) % 256);
  const png = encodePng(gray, w, h, 1);
  const back = decodePng(png, 'g.png');
  assert.equal(back.width, w); assert.equal(back.height, h);
  assert.deepEqual(back.gray, gray);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) rgb.fill(gray[i]!, 3 * i, 3 * i + 3);
  assert.deepEqual(decodePng(encodePng(rgb, w, h, 3)).gray, gray);
  const bad = Uint8Array.from(png); bad[40]! ^= 0xff;
  assertThrowsWith(() => decodePng(bad, 'bad.png'), 'bad.png', 'corrupt PNG');
  assertThrowsWith(() => decodePng(Buffer.from('hello world'), 'x.png'), 'x.png', 'not a PNG');
});

test('PGM: binary and ASCII', () => {
  const p5 = Buffer.concat([Buffer.from('P5\n# c\n3 2\n255\n'), Buffer.from([0, 10, 20, 30, 40, 255])]);
  assert.deepEqual(Array.from(decodePgm(p5).gray), [0, 10, 20, 30, 40, 255]);
  assert.deepEqual(Array.from(decodePgm(Buffer.from('P2 2 1 15 0 15\n')).gray), [0, 255]);
  assertThrowsWith(() => decodePgm(Buffer.from('P5 3 2 255\n\x01')), 'truncated PGM');
});
