/**
 * End to end: the analysis commands (summary, loopnest, conv) run as a separate process, in
 * every format, with exit codes and one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../cli/run-cli.js';
import { readJson } from '../helpers.js';

async function dnnkit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(args);
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const fixture = readJson<{ models: Record<string, { totals: Record<string, number> }> }>('test/fixtures/zoo/counts.json');

test('summary alexnet: an 80-column table with totals and definitions', async () => {
  const r = await dnnkit('summary', 'alexnet');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /features\.conv1 +CONV +3x227x227 +11\/4 +96x55x55/);
  assert.match(r.stdout, /weights +60,954,656/);
  assert.match(r.stdout, /MACs +724,406,816 +\(724M; CONV 91\.9%, FC 8\.1%\)/);
  assert.match(r.stdout, /MACs: CONV\/FC multiply-accumulates/);
  for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `line longer than 80: ${line}`);
});

test('summary --json / --format json: totals equal the PyTorch count', async () => {
  for (const args of [['--json'], ['--format', 'json']]) {
    const r = await dnnkit('summary', 'resnet50', ...args);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { totals: Record<string, number>; input: number[]; layers: unknown[] };
    assert.equal(s.totals.weights, fixture.models.resnet50!.totals.weights);
    assert.equal(s.totals.macs, fixture.models.resnet50!.totals.macs);
    assert.deepEqual(s.input, [1, 3, 224, 224]);
  }
});

test('summary --format csv: a header, one row per layer and a TOTAL row', async () => {
  const r = await dnnkit('summary', 'lenet5', '--format', 'csv');
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.ok(rows[0]!.startsWith('name,type,op,N,C,H,W,R,S,M,P,Q,U,'));
  const total = rows.at(-1)!.split(',');
  const header = rows[0]!.split(',');
  assert.equal(total[0], 'TOTAL');
  assert.equal(Number(total[header.indexOf('weights')]), fixture.models.lenet5!.totals.weights);
  assert.equal(Number(total[header.indexOf('macs')]), fixture.models.lenet5!.totals.macs);
  const c1 = rows.find((l) => l.startsWith('features.c1,'))!.split(',');
  assert.deepEqual(['C', 'H', 'R', 'M', 'P'].map((k) => c1[header.indexOf(k)]), ['1', '32', '5', '6', '28']);
});

test('summary --format markdown, --input with batch, --wide', async () => {
  const md = await dnnkit('summary', 'vgg16', '--format', 'markdown');
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /\| weights \| 138,344,128 \|/);
  assert.match(md.stdout, /\| MACs \| 15,470,264,320 \|/);
  const b = await dnnkit('summary', 'mobilenet', '--input', '4x3x224x224', '--json');
  assert.equal((JSON.parse(b.stdout) as { totals: { macs: number } }).totals.macs, 4 * fixture.models.mobilenet!.totals.macs);
  const wide = await dnnkit('summary', 'alexnet', '--wide', '--batch', '2');
  assert.equal(wide.code, 0, wide.stderr);
  assert.match(wide.stdout, /features\.conv2 +CONV +2 +96 +27 +27 +5 +5 +256 +27 +27 +1 +2 +2 /);
});

test('summary without a model lists the zoo; errors are one line with exit code 2', async () => {
  const list = await dnnkit('summary');
  assert.equal(list.code, 0);
  for (const n of ['lenet5', 'alexnet', 'vgg16', 'googlenet', 'resnet50', 'mobilenet', 'fashion-cnn', 'autoencoder']) assert.match(list.stdout, new RegExp(`^  ${n} `, 'm'));
  const bad = await dnnkit('summary', 'vgg17');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^dnnkit summary: unknown model 'vgg17'; zoo models: lenet5, alexnet/m);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  const dims = await dnnkit('summary', 'alexnet', '--input', '3x227');
  assert.equal(dims.code, 2);
  assert.match(dims.stderr, /--input: expected NxCxHxW or CxHxW/);
  const fmt = await dnnkit('summary', 'alexnet', '--format', 'xml');
  assert.equal(fmt.code, 2);
  assert.match(fmt.stderr, /--format: expected one of table, json, csv, markdown, got 'xml'/);
  const small = await dnnkit('summary', 'alexnet', '--input', '3x32x32');
  assert.equal(small.code, 1);
  assert.match(small.stderr, /cannot build 'alexnet' for input 3x32x32/);
});

test('loopnest: AlexNet CONV1 by shape parameters, in the order given', async () => {
  const r = await dnnkit('loopnest', '--type', 'conv', '--N', '1', '--C', '3', '--H', '227', '--W', '227', '--M', '96',
                   '--R', '11', '--S', '11', '--U', '4', '--pad', '0', '--order', 'm,c,r,s,n,p,q');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /einsum: O\[n,m,p,q\] = B\[m\] \+ I\[n,c,U\*p\+r,U\*q\+s\] \* F\[m,c,r,s\]/);
  assert.match(r.stdout, /MACs: 105,415,200 \(n\*m\*p\*q\*c\*r\*s = 1\*96\*55\*55\*3\*11\*11\)/);
  const loops = r.stdout.split('\n').filter((l) => /^\s*for \(let [a-z] = 0;/.test(l)).map((l) => /let ([a-z])/.exec(l)![1]);
  // bias initialisation loops first (output indices), then the nest in the order given
  assert.deepEqual(loops.slice(-7), ['m', 'c', 'r', 's', 'n', 'p', 'q']);
  assert.match(r.stdout, /O\[n\]\[m\]\[p\]\[q\] \+= I\[n\]\[c\]\[4\*p\+r\]\[4\*q\+s\] \* F\[m\]\[c\]\[r\]\[s\];/);
});

test('loopnest --check: the loop nest in a custom order equals the fast kernel', async () => {
  const conv = await dnnkit('loopnest', '--model', 'lenet5', '--layer', 'c3', '--order', 's,r,c,q,p,m,n', '--check');
  assert.equal(conv.code, 0, conv.stderr);
  assert.match(conv.stdout, /lenet5 features\.c3: CONV layer: N=1 C=6 H=14 W=14 R=5 S=5 M=16 P=10 Q=10 U=1/);
  const diff = Number(/max abs difference (\S+)/.exec(conv.stdout)![1]);
  assert.ok(diff < 1e-4, `difference ${diff}`);
  const grouped = await dnnkit('loopnest', '--type', 'conv', '--C', '8', '--M', '8', '--H', '9', '--groups', '8', '--pad', '1',
                         '--dilation', '2', '--U', '2', '--style', 'pseudo', '--check');
  assert.equal(grouped.code, 0, grouped.stderr);
  assert.match(grouped.stdout, /O\[n,g,m,p,q\]/);
  assert.match(grouped.stdout, /max abs difference/);
  for (const type of ['maxpool', 'avgpool']) {
    const pool = await dnnkit('loopnest', '--type', type, '--C', '3', '--H', '7', '--R', '3', '--U', '2', '--pad', '1', '--check');
    assert.equal(pool.code, 0, pool.stderr);
    assert.match(pool.stdout, /max abs difference 0\.00e\+0/);
  }
  const fc = await dnnkit('loopnest', '--model', 'alexnet', '--layer', 'fc6', '--check');
  assert.equal(fc.code, 0, fc.stderr);
  assert.match(fc.stdout, /einsum: O\[n,m\] = B\[m\] \+ I\[n,c,h,w\] \* F\[m,c,h,w\]/);
  assert.match(fc.stdout, /MACs: 37,748,736 \(n\*m\*c\*h\*w = 1\*4096\*256\*6\*6\)/);
});

test('loopnest errors name the option', async () => {
  const order = await dnnkit('loopnest', '--type', 'conv', '--C', '3', '--M', '4', '--H', '5', '--order', 'n,m,p,q,c,r');
  assert.equal(order.code, 2);
  assert.match(order.stderr, /--order: .*missing s/);
  const layer = await dnnkit('loopnest', '--model', 'alexnet', '--layer', 'relu1');
  assert.equal(layer.code, 2);
  assert.match(layer.stderr, /relu1' is a ACT layer/);
  const none = await dnnkit('loopnest');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give --type conv\|fc\|maxpool\|avgpool/);
  const fit = await dnnkit('loopnest', '--type', 'conv', '--C', '3', '--M', '4', '--H', '2', '--R', '5');
  assert.equal(fit.code, 2);
  assert.match(fit.stderr, /does not fit a 2x2 input/);
});

test('conv: the worked example shows the formula, every product and the checked output', async () => {
  const r = await dnnkit('conv');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /P = floor\(\(5 \+ 2\*0 - 3\) \/ 1\) \+ 1 = floor\(2 \/ 1\) \+ 1 = 2 \+ 1 = 3/);
  const products = r.stdout.split('\n').filter((l) => /^ {2}O\[\d,\d\] = /.test(l));
  assert.equal(products.length, 9);
  // each line's products add up to the value it states
  for (const line of products) {
    const [, sum, value] = /= (.*) = (-?\d+)$/.exec(line)!;
    const total = sum!.split(' + ').reduce((a, t) => { const [i, f] = t.split('*'); return a + Number(i) * Number(f!.replace(/[()]/g, '')); }, 0);
    assert.equal(total, Number(value), line);
  }
  assert.match(r.stdout, /Checked: F\.conv2d gives the same 3x3 outputs/);
  const strided = await dnnkit('conv', '--size', '6', '--stride', '2', '--padding', '1', '--kernel', '2');
  assert.equal(strided.code, 0, strided.stderr);
  assert.match(strided.stdout, /P = floor\(\(6 \+ 2\*1 - 2\) \/ 2\) \+ 1 = floor\(6 \/ 2\) \+ 1 = 3 \+ 1 = 4/);
  assert.match(strided.stdout, /zero padding 1/);
  const bad = await dnnkit('conv', '--size', '2', '--kernel', '5');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /does not fit a 2x2 input/);
});

test('summary of an .onnx file: the imported graph, layer by layer', async () => {
  const r = await dnnkit('summary', 'test/fixtures/onnx/tiny_cnn_opset11.onnx', '--format', 'csv');
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[1]!, /^conv,CONV,conv2d,1,1,16,16,5,5,6,7,8,2,1,2,1,1x6x7x8,150,6,0,8400,/);
  const missing = await dnnkit('summary', 'nothere.onnx');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^dnnkit summary: nothere\.onnx: no such file/m);
});
