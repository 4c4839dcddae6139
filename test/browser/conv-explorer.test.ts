/**
 * The convolution explorer in a real browser: the values and sizes it shows must equal
 * dnnkit's own results computed here in Node, for every operation and for changed stride,
 * padding and dilation; stepping (buttons and arrow keys) must move the highlighted window.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import * as F from '../../src/ops/functional.js';
import { tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';
import { openApp, screenshot, skipReason, type App } from './harness.js';

const skip = skipReason();
if (skip) console.log(skip);

const INPUT = [
  [1, 2, 0, 1, 3],
  [0, 1, 3, 2, 1],
  [2, 0, 1, 1, 0],
  [1, 3, 2, 0, 2],
  [0, 1, 1, 2, 1],
];
const CROSS = [[0, 1, 0], [1, 1, 1], [0, 1, 0]];
const t4 = (m: number[][]): Tensor => tensor(m.flat(), [1, 1, m.length, m[0]!.length]);

interface Shown { values: number[]; P: number; Q: number; cells: number }

async function shown(page: Page): Promise<Shown> {
  const values = await page.$$eval('#output-table td', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
  const size = await page.$eval('#out-size', (e) => [Number((e as HTMLElement).dataset.p), Number((e as HTMLElement).dataset.q)]);
  const rows = await page.$$eval('#output-table tr', (trs) => trs.length);
  return { values, P: size[0]!, Q: size[1]!, cells: rows };
}

function expectShown(s: Shown, expected: Tensor, what: string): void {
  const [P, Q] = [expected.shape[2]!, expected.shape[3]!];
  assert.deepEqual([s.P, s.Q], [P, Q], `${what}: output size`);
  assert.equal(s.cells, P, `${what}: output grid rows`);
  assertClose(s.values, expected.data, `${what}: output values`, 1e-5, 1e-5);
}

async function setNumber(page: Page, id: string, value: number): Promise<void> {
  await page.fill(`#${id}`, String(value));
}

async function typeMatrix(page: Page, id: string, m: number[][]): Promise<void> {
  await page.fill(`#${id}`, m.map((r) => r.join(' ')).join('\n'));
}

describe('browser app: convolution explorer', { skip }, () => {
  let app: App;
  let page: Page;
  before(async () => {
    app = await openApp();
    page = await app.newPage('conv.html');
  });
  after(async () => { await app?.close(); });

  test('the default 5×5 map and 3×3 cross show F.conv2d\'s output and the size formula', async () => {
    expectShown(await shown(page), F.conv2d(t4(INPUT), t4(CROSS)), 'default');
    const formula = await page.textContent('#size-formula');
    assert.match(formula ?? '', /⌊\(5 \+ 2·0 − 1·\(3−1\) − 1\) \/ 1⌋ \+ 1 = 3/);
    await screenshot(page, 'conv-explorer');
  });

  test('stride, padding and dilation change the output exactly as F.conv2d does', async () => {
    const cases = [
      { stride: 2, padding: 1, dilation: 1 },
      { stride: 1, padding: 2, dilation: 2 },
      { stride: 3, padding: 1, dilation: 1 },
      { stride: 2, padding: 0, dilation: 2 },
    ];
    for (const c of cases) {
      await setNumber(page, 'stride', c.stride);
      await setNumber(page, 'padding', c.padding);
      await setNumber(page, 'dilation', c.dilation);
      expectShown(await shown(page), F.conv2d(t4(INPUT), t4(CROSS), null, c), JSON.stringify(c));
      assert.equal(await page.textContent('#status'), '');
      // 5 + 2·pad − d·2 − 1 not divisible by U: the floor drops the last rows and columns.
      const rem = (5 + 2 * c.padding - 2 * c.dilation - 1) % c.stride;
      const note = await page.locator('#remainder').count() ? await page.textContent('#remainder') : '';
      assert.equal(note, rem ? `The stride leaves a remainder: the last ${rem} row(s) and ${rem} column(s) of the padded input are never read.` : '', JSON.stringify(c));
    }
    await screenshot(page, 'conv-explorer-stride2-dilation2');
    // An edited input and a non-square filter.
    const x = [[3, -1, 2, 0], [1, 4, -2, 1], [0, 2, 5, -3], [2, 1, 0, 1], [1, -1, 2, 2]];
    const w = [[1, 2], [-1, 0.5]];
    await typeMatrix(page, 'input-text', x);
    await typeMatrix(page, 'filter-text', w);
    await setNumber(page, 'stride', 1);
    await setNumber(page, 'padding', 1);
    await setNumber(page, 'dilation', 1);
    expectShown(await shown(page), F.conv2d(t4(x), t4(w), null, { padding: 1 }), 'edited input 5x4, filter 2x2');
  });

  test('stepping with buttons and arrow keys moves the window and shows the products and their sum', async () => {
    await page.click('#reset');
    await setNumber(page, 'padding', 1);
    const pos = async (): Promise<[number, number]> =>
      page.$eval('#position', (e) => [Number((e as HTMLElement).dataset.p), Number((e as HTMLElement).dataset.q)]);
    assert.deepEqual(await pos(), [0, 0]);
    // At O[0,0] with padding 1, the cross reads 9 cells of which 5 lie in the padding.
    assert.equal(await page.locator('#input-table td.tap').count(), 9);
    assert.equal(await page.locator('#input-table td.tap.pad').count(), 5);
    await page.click('#next');
    await page.click('#next');
    assert.deepEqual(await pos(), [0, 2]);
    await page.focus('#output-table');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    assert.deepEqual(await pos(), [1, 3]);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.deepEqual(await pos(), [0, 2], 'ArrowUp at row 0 stays in row 0');
    await page.keyboard.press('End');
    assert.deepEqual(await pos(), [4, 4]);
    assert.equal(await page.isDisabled('#next'), true);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    // O[1,1] reads I[0..2,0..2] through the cross: 2 + 0 + 1 + 3 + 0 = 6.
    const expected = F.conv2d(t4(INPUT), t4(CROSS), null, { padding: 1 }).data[1 * 5 + 1]!;
    const products = await page.textContent('#products') ?? '';
    assert.match(products, new RegExp(`= ${expected} ✓ equals F.conv2d's output ${expected}`));
    assert.equal(await page.getAttribute('#agrees', 'data-agrees'), 'true');
    assert.equal(await page.locator('#output-table td.cur').getAttribute('data-value'), String(expected));
    const taps = await page.$$eval('#input-table td.tap', (tds) => tds.map((td) => `${(td as HTMLElement).dataset.r},${(td as HTMLElement).dataset.c}`));
    assert.deepEqual(taps, ['1,1', '1,2', '1,3', '2,1', '2,2', '2,3', '3,1', '3,2', '3,3']);
    await screenshot(page, 'conv-explorer-stepping');
  });

  test('true convolution, pooling and upsampling show dnnkit\'s results', async () => {
    await page.click('#reset');
    await page.check('input[name="op"][value="conv"]');
    const w = [[1, 2, 0], [0, 1, -1]];
    await typeMatrix(page, 'filter-text', w);
    expectShown(await shown(page), F.convolve2d(t4(INPUT), t4(w)), 'convolve2d full');
    assert.match(await page.textContent('#size-formula') ?? '', /P = H \+ R − 1 = 5 \+ 2 − 1 = 6/);
    assert.equal(await page.getAttribute('#agrees', 'data-agrees'), 'true');
    await screenshot(page, 'conv-explorer-true-convolution');

    await page.check('input[name="op"][value="maxpool"]');
    expectShown(await shown(page), F.maxPool2d(t4(INPUT), { kernelSize: 2, stride: 2 }), 'maxPool2d 2x2/2');
    await setNumber(page, 'win-r', 3);
    await setNumber(page, 'win-s', 3);
    await setNumber(page, 'padding', 1);
    expectShown(await shown(page), F.maxPool2d(t4(INPUT), { kernelSize: 3, stride: 2, padding: 1 }), 'maxPool2d 3x3/2 pad 1');
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('#agrees', 'data-agrees'), 'true');
    await setNumber(page, 'dilation', 2);
    await setNumber(page, 'padding', 2);
    expectShown(await shown(page), F.maxPool2d(t4(INPUT), { kernelSize: 3, stride: 2, padding: 2, dilation: 2 }), 'maxPool2d dilated');

    await page.check('input[name="op"][value="avgpool"]');
    await setNumber(page, 'stride', 1);
    await setNumber(page, 'padding', 1);
    expectShown(await shown(page), F.avgPool2d(t4(INPUT), { kernelSize: 3, stride: 1, padding: 1 }), 'avgPool2d 3x3/1 pad 1');
    assert.equal(await page.getAttribute('#agrees', 'data-agrees'), 'true');
    await screenshot(page, 'conv-explorer-avgpool');

    for (const mode of ['zeros', 'nearest'] as const) {
      await page.check(`input[name="op"][value="${mode}"]`);
      expectShown(await shown(page), F.upsample(t4(INPUT), { scaleFactor: 2, mode }), `upsample ${mode} x2`);
      await setNumber(page, 'stride', 3);
      expectShown(await shown(page), F.upsample(t4(INPUT), { scaleFactor: 3, mode }), `upsample ${mode} x3`);
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.getAttribute('#agrees', 'data-agrees'), 'true');
    }
    await screenshot(page, 'conv-explorer-upsample-nearest');
  });

  test('a bad input or impossible setting shows the library\'s message, not a broken page', async () => {
    await page.click('#reset');
    await page.fill('#input-text', '1 2 3\n4 5');
    assert.match(await page.textContent('#status') ?? '', /input I: row 2 has 2 numbers but row 1 has 3/);
    await page.click('#reset');
    await page.check('input[name="op"][value="maxpool"]');
    await setNumber(page, 'padding', 2);
    // PyTorch allows padding up to half the window: 2 > 2/2.
    assert.match(await page.textContent('#status') ?? '', /maxPool2d: padding/);
    assert.deepEqual(app.errors, []);
    assert.deepEqual(app.foreign, []);
  });
});
