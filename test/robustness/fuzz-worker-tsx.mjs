// Development-only worker entry: under tsx (node --import tsx) the worker is TypeScript, and
// Node 20 workers do not inherit tsx's loader, so load fuzz-worker.ts through tsx's own API.
// The compiled tests (dist/) start fuzz-worker.js directly.
import { tsImport } from 'tsx/esm/api';

await tsImport('./fuzz-worker.ts', import.meta.url);
