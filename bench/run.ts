/**
 * `npm run bench`: dnnkit against TF.js, ONNX Runtime and ConvNetJS in one run; prints the
 * table and writes JSON.
 *
 *   npm run bench                         # full suite, a few minutes on 2 cores
 *   npm run bench -- --quick              # smoke run (a few seconds)
 *   npm run bench -- --only resnet50-3x3,gemm-1024 --peers dnnkit-wasm-2t,ort-web-2t
 *   npm run bench -- --json out.json --markdown out.md --no-backward --no-train
 */
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { hasMallocTuning } from '../src/cli/malloc-tuning.js';
import { reexecPlan } from '../src/cli/reexec.js';
import { Command } from 'commander';
import { ALL_PEER_IDS, runBench } from './harness.js';
import { formatReport } from './table.js';

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

const program = new Command('bench')
  .description('dnnkit against its peers (TF.js cpu/wasm, ONNX Runtime web/node, ConvNetJS) in the same run')
  .option('--quick', 'smoke run: a tiny conv, LeNet-5 conv2 and GEMM 512, two timed runs each')
  .option('--only <ids>', 'comma-separated case ids (lenet5-conv2, alexnet-conv1, vgg16-conv1_2, resnet50-3x3, resnet50-1x1, depthwise-3x3, gemm-512, gemm-1024, tiny-conv)', list)
  .option('--peers <ids>', `comma-separated peers (${ALL_PEER_IDS.join(', ')})`, list)
  .option('--no-backward', 'skip conv gradients')
  .option('--no-train', 'skip the LeNet-5 training step')
  .option('--json <file>', 'where to write the JSON report', 'bench/results/latest.json')
  .option('--markdown <file>', 'also write the tables as markdown (for README.md)')
  .option('--verbose', 'print each cell as it finishes');

async function main(): Promise<void> {
  program.parse();
  const reexec = reexecPlan();
  if (reexec) {
    // Run the way the dnnkit command runs (src/cli/reexec.ts): every peer in this process gets
    // the same allocator and the same WebAssembly features, so the ratios stay fair.
    const child = spawnSync(process.execPath, [...reexec.nodeArgs, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...reexec.env } });
    process.exit(child.status ?? 1);
  }
  if (!hasMallocTuning()) process.stderr.write('bench: running without the malloc tuning of src/cli/malloc-tuning.ts (fresh arrays page-fault in; memory-bound cells are slower)\n');
  const o = program.opts<{ quick?: boolean; only?: string[]; peers?: string[]; backward: boolean; train: boolean; json: string; markdown?: string; verbose?: boolean }>();
  const report = await runBench({
    quick: o.quick ?? false, cases: o.only, peers: o.peers, backward: o.backward, train: o.train,
    log: (line) => { if (o.verbose) process.stderr.write(`${line}\n`); else process.stderr.write('.'); },
  });
  if (!o.verbose) process.stderr.write('\n');
  console.log(formatReport(report));
  const pytorch = 'bench/results/pytorch-lenet.json';
  if (report.training && existsSync(pytorch)) {
    const p = JSON.parse(readFileSync(pytorch, 'utf8')) as { imagesPerSec: number; threads: number; torch: string; date: string };
    console.log(`\nFor reference, not part of this run: PyTorch ${p.torch} native, ${p.threads} threads: ${p.imagesPerSec.toFixed(0)} images/s (bench/pytorch-lenet.py, ${p.date.slice(0, 10)}).`);
  }
  mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
  writeFileSync(o.json, `${JSON.stringify(report, null, 1)}\n`);
  console.log(`\nJSON: ${o.json}`);
  if (o.markdown) {
    writeFileSync(o.markdown, `${formatReport(report, 'markdown')}\n`);
    console.log(`markdown: ${o.markdown}`);
  }
  // Worker pools (dnnkit, ONNX Runtime) keep the event loop alive.
  process.exit(0);
}

main().catch((e: unknown) => {
  const message = (e as Error).message;
  console.error(message.startsWith('bench:') ? message : `bench: ${message}`);
  process.exit(1);
});
