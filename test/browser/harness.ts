/**
 * End-to-end harness for the browser app: builds web/ into a private folder, serves it on a
 * free port with web/serve.ts, and drives Debian's Chromium with playwright-core. Every request
 * to another origin is recorded (the app must make none), as are page errors and console
 * errors. Screenshots go to test-artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.js';
import { startServer, type StaticServer } from '../../web/serve.js';
import { repoPath } from '../helpers.js';

export const CHROMIUM = process.env.DNNKIT_CHROMIUM ?? '/usr/bin/chromium';

/** A reason to skip the browser tests, or false when they can run. */
export function skipReason(): string | false {
  return existsSync(CHROMIUM) ? false
    : `browser tests skipped: no Chromium at ${CHROMIUM} (install Debian's chromium package, or set DNNKIT_CHROMIUM)`;
}

export interface App {
  browser: Browser;
  server: StaticServer;
  /** The folder the app was built into. */
  outdir: string;
  /** Requests that left the app's origin, as "METHOD url" (must stay empty). */
  foreign: string[];
  /** Uncaught page errors and console errors, as text (must stay empty). */
  errors: string[];
  newPage(path: string, options?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

/** Build, serve and launch once per test file. */
export async function openApp(): Promise<App> {
  const outdir = mkdtempSync(join(tmpdir(), 'dnnkit-web-'));
  await buildWeb({ outdir, minify: true });
  const server = await startServer({ root: outdir, port: 0 });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const foreign: string[] = [];
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  const origin = new URL(server.url).origin;
  return {
    browser, server, foreign, errors, outdir,
    async newPage(path, options = {}) {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
      contexts.push(context);
      context.on('request', (req) => {
        const url = req.url();
        if (url.startsWith('data:') || url.startsWith('blob:')) return;
        if (new URL(url).origin !== origin) foreign.push(`${req.method()} ${url}`);
      });
      const page = await context.newPage();
      page.on('pageerror', (err) => errors.push(`page error on ${path}: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console error on ${path}: ${msg.text()}`);
      });
      await page.goto(`${server.url}/${path}`);
      await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 20_000 });
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await server.close();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** Save a full-page screenshot to test-artifacts/<name>.png and return its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = repoPath('test-artifacts');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
