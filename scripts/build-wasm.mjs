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

// The default module (SIMD128) and a relaxed-SIMD one (fused multiply-add) that the loader
// picks where WebAssembly.validate accepts it (browsers; Node 20 only behind a flag).
const variants = [
  { out: 'build/dnnkit.wasm', flags: [] },
  { out: 'build/dnnkit-relaxed.wasm', flags: ['--enable', 'relaxed-simd'] },
];
for (const v of variants) {
  const { error, stderr } = await main([...common, ...v.flags, '-o', resolve(root, v.out)], {});
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: asc failed for ${v.out}: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: wrote ${v.out}`);
}
