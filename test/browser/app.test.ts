/**
 * The browser app's infrastructure: the server's headers (cross-origin isolation, CSP), its
 * refusal of paths outside the app, the CSP actually forbidding eval/new Function in the page,
 * and every page loading without errors, without foreign requests, on a laptop and a phone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, screenshot, skipReason, type App } from './harness.js';

const skip = skipReason();
if (skip) console.log(skip);

describe('browser app: server and pages', { skip }, () => {
  let app: App;
  before(async () => { app = await openApp(); });
  after(async () => { await app?.close(); });

  test('the server sends cross-origin isolation and CSP headers', async () => {
    const res = await fetch(`${app.server.url}/conv.html`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.doesNotMatch(csp, /\s'unsafe-eval'|'unsafe-inline'/, 'the CSP must not allow eval or inline scripts');
    const js = await fetch(`${app.server.url}/js/conv.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  });

  test('the server refuses paths outside the app and unknown files', async () => {
    for (const path of ['/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/js/../../package.json']) {
      const res = await fetch(`${app.server.url}${path}`);
      assert.ok(res.status === 400 || res.status === 404, `${path} answered ${res.status}`);
      const text = await res.text();
      assert.doesNotMatch(text, /"name": "dnnkit"/, `${path} leaked package.json`);
    }
    assert.equal((await fetch(`${app.server.url}/nope.html`)).status, 404);
    assert.equal((await fetch(`${app.server.url}/`, { method: 'POST' })).status, 405);
  });

  test('the landing page is cross-origin isolated and its CSP forbids eval and new Function', async () => {
    const page = await app.newPage('index.html');
    // Playwright's evaluate itself runs with eval allowed, so the attempts run later from a
    // timer, as page code would. A string, not a function: tsx would add __name() helpers.
    const info = await page.evaluate(`new Promise((done) => {
      const out = { isolated: globalThis.crossOriginIsolated, violations: [] };
      document.addEventListener('securitypolicyviolation', (e) => out.violations.push(e.violatedDirective));
      setTimeout(() => {
        try { (0, globalThis.eval)('1 + 1'); out.evalResult = 'ran'; } catch (e) { out.evalResult = e.name; }
        try { new globalThis.Function('return 1')(); out.functionResult = 'ran'; } catch (e) { out.functionResult = e.name; }
        setTimeout(() => done(out), 100);
      }, 0);
    })`) as { isolated: boolean; evalResult: string; functionResult: string; violations: string[] };
    assert.equal(info.isolated, true, 'COOP/COEP should make the page cross-origin isolated');
    assert.equal(info.evalResult, 'EvalError');
    assert.equal(info.functionResult, 'EvalError');
    assert.ok(info.violations.every((d) => d.startsWith('script-src')), `violations: ${info.violations.join(', ')}`);
    // The two refused attempts above are reported as console errors by Chromium: expected here.
    app.errors.splice(0, app.errors.length, ...app.errors.filter((e) => !/unsafe-eval|Content Security Policy/.test(e)));
    const links = await page.locator('nav a').allTextContents();
    assert.deepEqual(links, ['Convolution explorer', 'Network explorer', 'Train in the page']);
    await screenshot(page, 'home');
    assert.deepEqual(app.errors, []);
    assert.deepEqual(app.foreign, []);
  });

  test('every page fits a phone screen without sideways scrolling', async () => {
    for (const path of ['index.html', 'conv.html', 'network.html', 'train.html']) {
      const page = await app.newPage(path, { viewport: { width: 390, height: 844 } });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      // Every control has an accessible name: a <label>, aria-label or its own text.
      const unnamed = await page.$$eval('input, select, textarea, button', (els) => els
        .filter((e) => !((e as HTMLInputElement).labels?.length) && !e.getAttribute('aria-label') && !(e.textContent ?? '').trim())
        .map((e) => e.id || e.outerHTML.slice(0, 60)));
      assert.deepEqual(unnamed, [], `${path}: controls without an accessible name`);
      assert.ok(overflow <= 1, `${path} is ${overflow}px wider than a 390px phone screen`);
      await screenshot(page, `phone-${path.replace('.html', '')}`);
      await page.context().close();
    }
    assert.deepEqual(app.errors, []);
    assert.deepEqual(app.foreign, []);
  });
});
