/**
 * The network explorer in a real browser: the totals, table, charts, einsum and loop nest it
 * shows must equal what summary(), displaySpec() and printLoopNest() give here in Node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import * as zoo from '../../src/models/zoo.js';
import { summary, type Summary } from '../../src/analysis/summary.js';
import { displaySpec } from '../../src/einsum/layers.js';
import { printLoopNest } from '../../src/einsum/loopnest.js';
import { loadOnnxBytes } from '../../src/io/onnx/load.js';
import { repoPath } from '../helpers.js';
import { openApp, screenshot, skipReason, type App } from './harness.js';

const skip = skipReason();
if (skip) console.log(skip);

async function shownTotals(page: Page): Promise<{ macs: number; weights: number; parameters: number; convMacShare: number; rows: number }> {
  const num = async (id: string): Promise<number> => Number(await page.getAttribute(`#${id}`, 'data-value'));
  return {
    macs: await num('total-macs'),
    weights: await num('total-weights'),
    parameters: await num('total-parameters'),
    convMacShare: await num('conv-mac-share'),
    rows: await page.locator('#summary-table tbody tr').count(),
  };
}

function expectTotals(shown: Awaited<ReturnType<typeof shownTotals>>, s: Summary, what: string): void {
  assert.equal(shown.macs, s.totals.macs, `${what}: MACs`);
  assert.equal(shown.weights, s.totals.weights, `${what}: weights`);
  assert.equal(shown.parameters, s.totals.parameters, `${what}: parameters`);
  assert.equal(shown.convMacShare, s.totals.convMacShare, `${what}: CONV share of MACs`);
  assert.equal(shown.rows, s.layers.length, `${what}: table rows`);
}

describe('browser app: network explorer', { skip }, () => {
  let app: App;
  let page: Page;
  before(async () => {
    app = await openApp();
    page = await app.newPage('network.html');
  });
  after(async () => { await app?.close(); });

  test('every zoo model shows the totals of summary()', async () => {
    const options = await page.$$eval('#model option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(options, zoo.list());
    for (const name of ['alexnet', 'vgg16', 'resnet50', 'mobilenet', 'lenet5']) {
      await page.selectOption('#model', name);
      const s = summary(zoo.arch(name), [1, ...zoo.inputShape(name)]);
      expectTotals(await shownTotals(page), s, name);
      const computeLayers = s.layers.filter((l) => l.macs > 0 || l.weights > 0).length;
      assert.equal(await page.locator('#mac-chart rect.bar').count(), computeLayers, `${name}: one MAC bar per CONV/FC layer`);
      assert.equal(await page.locator('#weight-chart rect.bar').count(), computeLayers, `${name}: one weight bar per CONV/FC layer`);
      if (name === 'alexnet' || name === 'resnet50') await screenshot(page, `network-explorer-${name}`);
    }
    assert.equal(await page.textContent('#table-total-macs'), summary(zoo.arch('lenet5'), [1, 1, 32, 32]).totals.macs.toLocaleString('en-US'));
  });

  test('a changed input shape resizes the network as summary() does', async () => {
    await page.selectOption('#model', 'alexnet');
    await page.fill('#input-shape', '3x67x67');
    await page.dispatchEvent('#input-shape', 'change');
    expectTotals(await shownTotals(page), summary(zoo.arch('alexnet', { inputShape: [3, 67, 67] }), [1, 3, 67, 67]), 'alexnet 67x67');
    await page.fill('#input-shape', '3x20');
    await page.dispatchEvent('#input-shape', 'change');
    assert.match(await page.textContent('#status') ?? '', /input shape: expected C×H×W/);
  });

  test('the selected layer shows its einsum and loop nest (row click, keys, bar click, loop order)', async () => {
    await page.selectOption('#model', 'alexnet');
    const s = summary(zoo.arch('alexnet'), [1, ...zoo.inputShape('alexnet')]);
    // The first CONV layer is selected on load.
    const first = s.layers.findIndex((l) => l.macs > 0);
    assert.equal(await page.textContent('#einsum-text'), displaySpec(s.layers[first]!.einsum!));
    assert.equal(await page.textContent('#loop-nest'), printLoopNest(s.layers[first]!.einsum!, { bounds: 'numeric', style: 'code' }));

    const conv2 = s.layers.findIndex((l, i) => i > first && l.type === 'CONV');
    await page.click(`#summary-table tbody tr[data-index="${conv2}"]`);
    assert.equal(await page.textContent('#einsum-text'), displaySpec(s.layers[conv2]!.einsum!));
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute(`#summary-table tbody tr[data-index="${conv2 + 1}"]`, 'aria-selected'), 'true');
    await page.keyboard.press('ArrowUp');

    await page.fill('#loop-order', 'q p m n g c r s');
    const expected = printLoopNest(s.layers[conv2]!.einsum!, { order: ['q', 'p', 'm', 'n', 'g', 'c', 'r', 's'], bounds: 'numeric', style: 'code' });
    assert.equal(await page.textContent('#loop-nest'), expected);
    await page.selectOption('#loop-bounds', 'symbolic');
    await page.selectOption('#loop-style', 'pseudo');
    assert.equal(await page.textContent('#loop-nest'),
      printLoopNest(s.layers[conv2]!.einsum!, { order: ['q', 'p', 'm', 'n', 'g', 'c', 'r', 's'], bounds: 'symbolic', style: 'pseudo' }));
    await page.fill('#loop-order', 'q p z');
    assert.notEqual(await page.textContent('#status'), '', 'a bad loop order is reported');
    await page.fill('#loop-order', '');
    await page.selectOption('#loop-bounds', 'numeric');
    await page.selectOption('#loop-style', 'code');

    // The last bar of the MAC chart is the last FC layer.
    const lastFc = s.layers.map((l) => l.macs > 0 || l.weights > 0).lastIndexOf(true);
    await page.locator('#mac-chart rect.bar').last().click();
    assert.equal(await page.getAttribute(`#summary-table tbody tr[data-index="${lastFc}"]`, 'aria-selected'), 'true');
    assert.equal(await page.textContent('#einsum-text'), displaySpec(s.layers[lastFc]!.einsum!));
    await screenshot(page, 'network-explorer-selected-fc');
  });

  test('an ONNX file opened in the page shows the summary of dnnkit\'s import', async () => {
    const file = repoPath('test/fixtures/onnx/resnet18_small.onnx');
    assert.ok(existsSync(file), `${file} (a fixture of the ONNX import's tests) is missing`);
    const model = loadOnnxBytes(new Uint8Array(readFileSync(file)), { source: 'resnet18_small.onnx' });
    const dims = model.inputInfo[0]!.shape!.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const s = summary(model, dims, { name: 'resnet18_small.onnx' });
    await page.setInputFiles('#onnx-file', file);
    await page.waitForFunction(() => /opened|resnet18_small.onnx:/.test(document.getElementById('status')?.textContent ?? ''));
    const status = await page.textContent('#status') ?? '';
    assert.equal(status, 'opened resnet18_small.onnx');
    expectTotals(await shownTotals(page), s, 'resnet18_small.onnx');
    assert.equal(await page.inputValue('#input-shape'), dims.slice(1).join('×'));
    await screenshot(page, 'network-explorer-onnx');
    // Back to a zoo model.
    await page.selectOption('#model', 'lenet5');
    expectTotals(await shownTotals(page), summary(zoo.arch('lenet5'), [1, ...zoo.inputShape('lenet5')]), 'lenet5 after ONNX');
    assert.deepEqual(app.errors, []);
    assert.deepEqual(app.foreign, []);
  });
});
