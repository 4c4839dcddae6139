/**
 * Milliseconds per training step of the default CNN (batch 32) in headless Chromium, in the
 * training page's Web Worker, on each backend. Machine load shows directly in these numbers:
 * compare backends from the same run only.
 *
 * Run: node --import tsx bench/browser-train-step.ts [steps=8]
 */
import { openApp } from '../test/browser/harness.js';

const steps = Number(process.argv[2] ?? 8);
const app = await openApp();
try {
  for (const backend of ['fastest', 'reference']) {
    const page = await app.newPage('train.html');
    if (backend !== 'fastest') {
      await page.selectOption('#backend', backend);
      await page.click('#reset');
      await page.waitForFunction(() => /^Ready:/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    }
    const used = await page.getAttribute('html', 'data-backend');
    await page.evaluate(`(() => {
      window.__stepMs = [];
      new MutationObserver(() => {
        const v = Number(document.getElementById('ms-per-step')?.dataset.value);
        if (Number.isFinite(v) && window.__stepMs[window.__stepMs.length - 1] !== v) window.__stepMs.push(v);
      }).observe(document.getElementById('numbers'), { subtree: true, childList: true, attributes: true });
    })()`);
    await page.click('#start');
    await page.waitForFunction((n) => Number(document.getElementById('step')?.dataset.value ?? 0) >= n, steps + 1, { timeout: 600_000 });
    await page.click('#start');
    const ms = (await page.evaluate('window.__stepMs') as number[]).slice(1);  // the first step warms up
    ms.sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)]!;
    console.log(`${backend} (${used}): median ${median.toFixed(0)} ms/step over ${ms.length} steps (batch 32, ${await page.evaluate('navigator.hardwareConcurrency')} cores)`);
    await page.context().close();
  }
} finally {
  await app.close();
}
