/**
 * A small static server for the browser app. It only serves files under one folder, only on
 * 127.0.0.1 by default, and sets the cross-origin isolation headers (COOP/COEP) that
 * SharedArrayBuffer — and so the wasm backend's threads — need, plus the CSP.
 *
 * Run: `npm run web` (builds web/dist, then serves it on http://127.0.0.1:$PORT, default 5173).
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS, buildWeb, repoRoot } from './build.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.onnx': 'application/octet-stream',
  '.gz': 'application/gzip',
};

export interface StaticServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** The folder to serve; default web/dist. */
  root?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

/** The file a request path names inside root, or null when it escapes root. */
function resolveInside(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const full = normalize(join(root, path));
  return full === root || full.startsWith(root + sep) ? full : null;
}

/**
 * Serve a folder with the app's security headers.
 * @example const s = await startServer({ port: 0 }); console.log(s.url); await s.close();
 */
export function startServer(options: ServeOptions = {}): Promise<StaticServer> {
  const root = resolve(options.root ?? join(repoRoot(), 'web', 'dist'));
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let file = resolveInside(root, req.url ?? '/');
    if (file === null) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad path\n');
      return;
    }
    let stat = statOrNull(file);
    if (stat?.isDirectory()) {
      file = join(file, 'index.html');
      stat = statOrNull(file);
    }
    if (!stat?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolvePromise({
        url: `http://${host}:${port}`,
        port,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const portText = process.env.PORT ?? '5173';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`dnnkit web: PORT must be an integer port number, got '${portText}'\n`);
    process.exit(2);
  }
  const skipBuild = process.argv.includes('--no-build');
  (async () => {
    if (!skipBuild) {
      const r = await buildWeb({ minify: false });
      if (!r.wasm) process.stdout.write('dnnkit web: build/dnnkit.wasm missing, the pages use the reference backend\n');
    }
    const s = await startServer({ port });
    process.stdout.write(`dnnkit web: serving ${join(repoRoot(), 'web', 'dist')} at ${s.url}/ (Ctrl-C stops)\n`);
  })().catch((err: unknown) => {
    const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    const detail = errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n');
    const code = (err as { code?: string }).code;
    const message = code === 'EADDRINUSE' ? `port ${port} is in use; set PORT to another port`
      : detail ?? (err instanceof Error ? err.message : String(err));
    process.stderr.write(`dnnkit web: ${message}\n`);
    process.exit(1);
  });
}
