/**
 * Builds the browser app into web/dist/ for static hosting: one esbuild bundle per page and
 * per worker, the HTML and CSS, the kernel module (build/dnnkit.wasm, when it has been built)
 * and the Fashion-MNIST sample. The pages import the library's browser-safe modules directly
 * from src/, so there is no second implementation of any op.
 *
 * Run: `npm run web:build` (or `node --import tsx web/build.ts [--dev]`).
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file whose package.json is dnnkit's. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dnnkit') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`web build: no dnnkit package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/**
 * The Content-Security-Policy of every page. 'wasm-unsafe-eval' lets WebAssembly compile; it
 * does not allow JavaScript eval or new Function, which this policy forbids.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Headers every response carries: cross-origin isolation (SharedArrayBuffer, threads) and the CSP. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Library modules reach Node built-ins only behind a runtime check (a dynamic `import('node:…')`
 * or process.getBuiltinModule), so those stay out of the bundle and never run in a browser. A
 * static import of a built-in would break the page: it fails the build, naming the importer —
 * except in the few modules listed in BROWSER_STUBS, whose browser-safe parts the app uses
 * (the IDX parser, the dataset constants) while their file-reading parts get stubs that throw.
 * Each entry is a request to the module's owner to split the file I/O into its own module.
 */
const BROWSER_STUBS: Record<string, Record<string, string[]>> = {
  'src/data/idx.ts': { 'node:zlib': ['gunzipSync', 'gzipSync'], 'node:fs': ['readFileSync', 'writeFileSync'] },
  'src/data/fashion-mnist.ts': {
    'node:fs': ['existsSync', 'statSync'], 'node:path': ['join', 'resolve'], 'node:url': ['fileURLToPath'],
  },
};

function stubsFor(importer: string, path: string): string[] | undefined {
  const rel = importer.replace(/\\/g, '/');
  for (const [file, modules] of Object.entries(BROWSER_STUBS)) {
    if (rel.endsWith(`/${file}`)) return modules[path];
  }
  return undefined;
}

const nodeBuiltinsGuard: Plugin = {
  name: 'node-builtins-guard',
  setup(b) {
    b.onResolve({ filter: /^(node:|fs$|path$|os$|url$|zlib$|worker_threads$|child_process$)/ }, (args) => {
      // Packages map built-ins away through their package.json "browser" field; esbuild honours it.
      if (args.importer.includes('/node_modules/')) return undefined;
      if (args.kind === 'dynamic-import') return { path: args.path, external: true };
      const names = stubsFor(args.importer, args.path);
      if (names) return { path: `${args.path}|${names.join(',')}`, namespace: 'browser-stub' };
      return { errors: [{ text: `browser bundle: ${args.importer} imports '${args.path}' statically; `
        + 'the browser app can only use library modules that reach Node built-ins behind a runtime check' }] };
    });
    b.onLoad({ filter: /.*/, namespace: 'browser-stub' }, (args) => {
      const [builtin, list] = args.path.split('|') as [string, string];
      const body = list.split(',').map((name) =>
        `export function ${name}() { throw new Error('${builtin} ${name}() is not available in the browser'); }`).join('\n');
      return { contents: body, loader: 'js' };
    });
  },
};

/** Page scripts and workers, bundled separately (web/src/<name>.ts -> dist/js/<name>.js). */
const ENTRY_POINTS = ['conv', 'network', 'train', 'train-worker', 'home'];

export interface WebBuildOptions {
  /** Output folder; default web/dist. */
  outdir?: string;
  /** Minify and drop source maps (the static-hosting build); default true. */
  minify?: boolean;
}

export interface WebBuildResult {
  outdir: string;
  /** Bytes of each emitted JavaScript file, by path relative to outdir. */
  bundles: Record<string, number>;
  /** Whether build/dnnkit.wasm was found and copied with its variants (the wasm backend needs it). */
  wasm: boolean;
  /** esbuild's warnings, e.g. an import that does not exist (yet) in the library. */
  warnings: string[];
}

/**
 * Build the app.
 * @example await buildWeb({ outdir: 'web/dist' })
 */
export async function buildWeb(options: WebBuildOptions = {}): Promise<WebBuildResult> {
  const root = repoRoot();
  const web = join(root, 'web');
  const outdir = resolve(root, options.outdir ?? join('web', 'dist'));
  const minify = options.minify ?? true;
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'js'), { recursive: true });

  const common: BuildOptions = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify,
    // Library errors name classes via constructor.name (e.g. an optimizer's messages), and the
    // training page labels layers with it: keep names through minification.
    keepNames: true,
    sourcemap: minify ? false : 'linked',
    logLevel: 'silent',
    metafile: true,
    plugins: [nodeBuiltinsGuard],
  };
  const entryPoints: Record<string, string> = {};
  for (const name of ENTRY_POINTS) entryPoints[name] = join(web, 'src', `${name}.ts`);
  // The wasm backend's thread pool starts `new Worker(new URL('./worker.js', import.meta.url))`
  // from inside the page bundle, so its worker must sit next to the bundles.
  entryPoints.worker = join(root, 'src', 'backends', 'wasm', 'worker.ts');
  const result = await build({ ...common, entryPoints, outdir: join(outdir, 'js'), splitting: false });

  const bundles: Record<string, number> = {};
  for (const [path, info] of Object.entries(result.metafile!.outputs)) {
    if (path.endsWith('.js')) bundles[path.slice(path.indexOf('js/'))] = info.bytes;
  }

  for (const file of readdirSync(web)) {
    if (file.endsWith('.html')) {
      // The same policy as a meta tag, for hosts that cannot set headers (frame-ancestors
      // only works as a header, so it is left out here).
      const html = readFileSync(join(web, file), 'utf8').replace('%CSP%', CONTENT_SECURITY_POLICY);
      writeFileSync(join(outdir, file), html);
    } else if (file.endsWith('.css') || file.endsWith('.svg')) {
      cpSync(join(web, file), join(outdir, file));
    }
  }
  // The kernel modules (dnnkit.wasm, and dnnkit-relaxed.wasm that initWasm tries first).
  const buildDir = join(root, 'build');
  const modules = existsSync(buildDir) ? readdirSync(buildDir).filter((f) => /^dnnkit.*\.wasm$/.test(f)) : [];
  for (const f of modules) cpSync(join(buildDir, f), join(outdir, f));
  const wasm = modules.includes('dnnkit.wasm');
  const sample = join(root, 'data', 'fashion-mnist-sample');
  if (existsSync(sample)) cpSync(sample, join(outdir, 'data', 'fashion-mnist-sample'), { recursive: true });
  // Static hosts that read a _headers file (Netlify, Cloudflare Pages) get the same headers
  // as `npm run web`; elsewhere the meta CSP in each page still applies.
  const headerLines = Object.entries(SECURITY_HEADERS).map(([k, v]) => `  ${k}: ${v}`);
  writeFileSync(join(outdir, '_headers'), `/*\n${headerLines.join('\n')}\n`);
  const warnings = result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
  return { outdir, bundles, wasm, warnings };
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const dev = process.argv.includes('--dev');
  buildWeb({ minify: !dev }).then((r) => {
    for (const w of r.warnings) process.stderr.write(`web build: warning: ${w}\n`);
    const total = Object.values(r.bundles).reduce((a, b) => a + b, 0);
    process.stdout.write(`web build: ${r.outdir} (${Object.keys(r.bundles).length} bundles, ${(total / 1024).toFixed(0)} KiB)` +
      `${r.wasm ? '' : '; build/dnnkit.wasm missing, pages fall back to the reference backend'}\n`);
  }, (err: unknown) => {
    const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    const detail = errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n');
    process.stderr.write(`web build: ${detail ?? (err instanceof Error ? err.message : String(err))}\n`);
    process.exitCode = 1;
  });
}
