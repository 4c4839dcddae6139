/**
 * Training in a real browser: the default CNN trains in a Web Worker on the fastest backend,
 * its loss falls and its test accuracy rises, the page answers clicks while it trains, and
 * the feature maps, drawing canvas and gallery agree with each other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { repoPath } from '../helpers.js';
import { openApp, screenshot, skipReason, type App } from './harness.js';

const skip = skipReason();
if (skip) console.log(skip);

const STEPS = 30;

const num = async (page: Page, id: string): Promise<number> => Number(await page.getAttribute(`#${id}`, 'data-value'));

describe('browser app: train in the page', { skip }, () => {
  let app: App;
  let page: Page;
  before(async () => {
    app = await openApp();
    page = await app.newPage('train.html');
  });
  after(async () => { await app?.close(); });

  test('the worker loads the sample and uses the fastest backend', async () => {
    const status = await page.textContent('#status') ?? '';
    assert.match(status, /Ready: fashion-cnn, [\d,]+ parameters; 5000 training and 1000 test images/);
    const backend = await page.getAttribute('html', 'data-backend');
    if (existsSync(repoPath('build/dnnkit.wasm'))) assert.equal(backend, 'wasm', `backend: ${await page.textContent('#backend-name')}`);
    await page.waitForSelector('#gallery button');
    assert.equal(await page.locator('#gallery button').count(), 16);
  });

  test(`${STEPS} training steps lower the loss while the page stays responsive`, async () => {
    const before = await num(page, 'test-accuracy');
    await page.click('#start');
    await page.waitForSelector('html[data-training="true"]', { state: 'attached' });
    // While it trains: a click on a gallery image must be answered at once (the main thread is free).
    await page.waitForFunction(() => Number(document.getElementById('step')?.dataset.value ?? 0) >= 3, undefined, { timeout: 60_000 });
    const latencies: number[] = [];
    for (const k of [3, 5, 7]) {
      const t0 = Date.now();
      await page.click(`#gallery button >> nth=${k}`);
      await page.waitForSelector(`#gallery button[aria-pressed="true"] >> nth=0`);
      assert.equal(await page.getAttribute(`#gallery button >> nth=${k}`, 'aria-pressed'), 'true');
      latencies.push(Date.now() - t0);
    }
    const median = [...latencies].sort((a, b) => a - b)[1]!;
    assert.ok(median < 2000, `clicks took ${latencies.join(', ')} ms while training`);
    // Training on the page's own thread would keep it busy in long tasks nearly all the time;
    // in a worker only the drawing is, a small share (robust to a loaded machine, where every
    // task takes longer in wall-clock time).
    await page.evaluate(`(() => {
      window.__longTasks = [];
      window.__longTasksSince = performance.now();
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
        .observe({ type: 'longtask' });
    })()`);
    await page.waitForFunction((n) => Number(document.getElementById('step')?.dataset.value ?? 0) >= n, STEPS, { timeout: 240_000 });
    const { tasks: longTasks, elapsed } = await page.evaluate('({ tasks: window.__longTasks, elapsed: performance.now() - window.__longTasksSince })') as { tasks: number[]; elapsed: number };
    const busy = longTasks.reduce((a, b) => a + b, 0);
    const longest = Math.max(0, ...longTasks);
    assert.ok(busy < 0.5 * elapsed,
      `the page's main thread spent ${busy.toFixed(0)} of ${elapsed.toFixed(0)} ms in long tasks while training (longest ${longest.toFixed(0)} ms)`);
    await page.click('#start');
    await page.waitForSelector('html[data-training="false"]', { state: 'attached' });
    const losses = JSON.parse(await page.getAttribute('#loss-chart', 'data-losses') ?? '[]') as number[];
    assert.ok(losses.length >= STEPS, `${losses.length} losses recorded`);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 5)), lastFive = mean(losses.slice(-5));
    assert.ok(lastFive < 0.75 * first, `loss should fall: first 5 steps ${first.toFixed(3)}, last 5 ${lastFive.toFixed(3)}`);
    await page.waitForFunction((b) => Number(document.getElementById('test-accuracy')?.dataset.value) !== b, before);
    const after = await num(page, 'test-accuracy');
    assert.ok(after > 0.4 && after > before, `test accuracy ${before} -> ${after}`);
    console.log(`# train page: ${losses.length} steps, loss ${first.toFixed(3)} -> ${lastFive.toFixed(3)}, test accuracy ${before} -> ${after}, ` +
      `${(await num(page, 'ms-per-step')).toFixed(0)} ms/step on ${await page.getAttribute('html', 'data-backend')}, click latency ${latencies.join('/')} ms, main thread busy in long tasks ${(100 * busy / elapsed).toFixed(1)}% (longest ${longest.toFixed(0)} ms)`);
  });

  test('feature maps, the drawing canvas and the gallery agree', async () => {
    // Paused, so the gallery's predictions are those of the model the canvas is classified with.
    if (await page.getAttribute('html', 'data-training') === 'true') await page.click('#start');
    await page.waitForSelector('html[data-training="false"]', { state: 'attached' });
    // Wait for the gallery's predictions to be those of the paused model.
    await page.waitForFunction(() => document.getElementById('gallery')?.dataset.step === document.getElementById('step')?.dataset.value,
      undefined, { timeout: 60_000 });
    await page.click('#gallery button >> nth=2');
    // Wait for the answer to this request (earlier clicks left feature maps and probabilities).
    const answered = (): boolean => document.getElementById('fmaps')?.dataset.request === document.documentElement.dataset.request;
    await page.waitForFunction(answered);
    // conv, batch norm, ReLU, pool, twice: eight 4-D outputs.
    assert.equal(await page.locator('#fmaps .fmap-layer').count(), 8);
    assert.equal(await page.getAttribute('#fmaps .fmap-layer >> nth=0 >> canvas', 'data-channels'), '16');
    // The first layer's maps are 28×28 (padding 1 keeps the size), the last pool's 7×7.
    assert.match(await page.textContent('#fmaps .fmap-layer >> nth=0') ?? '', /32×28×28/);
    assert.match(await page.textContent('#fmaps .fmap-layer >> nth=7') ?? '', /64×7×7/);
    const predicted = await page.getAttribute('#gallery button >> nth=2', 'aria-label') ?? '';
    // Copying the chosen test image onto the canvas must give the gallery's prediction.
    await page.click('#copy');
    await page.waitForFunction(answered);
    assert.equal(await page.locator('#probs li').count(), 10);
    const best = await page.$eval('#probs li.best span', (e) => e.textContent ?? '');
    assert.ok(predicted.endsWith(`predicted ${best}`), `canvas copy predicted ${best}; gallery says "${predicted}"`);
    const total = await page.$$eval('#probs meter', (ms) => ms.reduce((a, m) => a + (m as HTMLMeterElement).value, 0));
    assert.ok(Math.abs(total - 1) < 1e-3, `probabilities sum to ${total}`);
    // A stroke drawn with the mouse is classified.
    await page.click('#clear');
    assert.equal(await page.locator('#probs li').count(), 0);
    const box = (await page.locator('#draw').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.8, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelectorAll('#probs li').length === 10);
    await screenshot(page, 'train');
    assert.deepEqual(app.errors, []);
    assert.deepEqual(app.foreign, []);
  });

  test('a new model with SGD starts over with the CLI\'s SGD learning rate', async () => {
    await page.selectOption('#optimizer', 'sgd');
    assert.equal(await page.inputValue('#lr'), '0.05');
    await page.click('#reset');
    await page.waitForFunction(() => /^Ready:/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.equal(await page.getAttribute('#step', 'data-value'), '0');
    assert.equal(await page.textContent('#start'), 'Start training');
    await page.click('#start');
    await page.waitForFunction(() => Number(document.getElementById('step')?.dataset.value ?? 0) >= 2, undefined, { timeout: 60_000 });
    await page.click('#start');
    const losses = JSON.parse(await page.getAttribute('#loss-chart', 'data-losses') ?? '[]') as number[];
    assert.ok(losses.length >= 2 && losses.every(Number.isFinite), `SGD losses ${losses.join(', ')}`);
    assert.deepEqual(app.errors, []);
  });
});
