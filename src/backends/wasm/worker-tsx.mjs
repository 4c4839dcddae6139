// Development-only worker entry: under tsx (tests, bench scripts) the worker is TypeScript, and
// Node 20 workers do not inherit tsx's loader, so load worker.ts through tsx's own API.
// The compiled package (dist/) starts worker.js directly and never reads this file.
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker.ts', import.meta.url);
