// Compile the AssemblyScript kernels (assembly/) to build/dnnkit.wasm: SIMD128, shared
// imported memory (so worker threads run on the same heap), no runtime (the host allocates).
// Usage: node scripts/build-wasm.mjs   (npm run build:wasm)
import { main } from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(resolve(root, 'build'), { recursive: true });

const common = [
  resolve(root, 'assembly/index.ts'),
  '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=',
  '--enable', 'simd', '--enable', 'threads',
  '--importMemory', '--sharedMemory', '--initialMemory', '17', '--maximumMemory', '32768',
];

const { error, stderr } = await main([...common, '-o', resolve(root, 'build/dnnkit.wasm')], {});
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: asc failed: ${error.message}`);
  process.exit(1);
}
console.log('build-wasm: wrote build/dnnkit.wasm');
