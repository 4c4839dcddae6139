/**
 * Long-running fuzzer for the ONNX loader: mutates the committed fixture models (byte-level
 * mutations and structure-aware edits, alternating) and checks that
 * each mutant loads and runs or fails with an OnnxError. Findings (any other exception) are
 * printed with the mutation list and written to test-artifacts/onnx-fuzz/ for replay.
 *
 *   node --import tsx scripts/fuzz-onnx.ts [--seconds 300] [--seed 1]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeNpy } from '../src/io/npy.js';
import { SUPPORTED_OPERATORS } from '../src/io/onnx/ops/index.js';
import { edit, editArb, mutate, mutationArb, tryMutant } from '../test/onnx/fuzz-harness.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seconds = opt('seconds', 300);
const seed = opt('seed', Date.now() % 2 ** 31);
const models = ['tiny_cnn_opset11', 'encoder_decoder', 'squeezenet1_1_small', 'resnet18_small'];
const dir = 'test/fixtures/onnx';
const files = models.map((m) => ({
  name: m,
  bytes: new Uint8Array(readFileSync(`${dir}/${m}.onnx`)),
  input: decodeNpy(readFileSync(`${dir}/${m}.input.npy`)),
}));

const stats = { cases: 0, loaded: 0, ran: 0, findings: 0 };
const messages = new Map<string, number>();
const started = Date.now();
const deadline = started + seconds * 1000;
let round = 0;
while (Date.now() < deadline) {
  const file = files[round % files.length]!;
  round++;
  // Alternate byte-level mutations and structure-aware edits.
  const structural = round % 2 === 0;
  const arb: fc.Arbitrary<unknown[]> = structural ? editArb : mutationArb;
  const apply = (ms: unknown[]): Uint8Array => (structural
    ? edit(file.bytes, ms as Parameters<typeof edit>[1], SUPPORTED_OPERATORS)
    : mutate(file.bytes, ms as Parameters<typeof mutate>[1]));
  const result = fc.check(fc.property(arb, (mutations) => {
    stats.cases++;
    const outcome = tryMutant(apply(mutations), file.input);
    if (outcome.loaded) stats.loaded++;
    if (outcome.ran) stats.ran++;
    if (outcome.error) {
      const key = outcome.error.replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'").slice(0, 90);
      messages.set(key, (messages.get(key) ?? 0) + 1);
    }
  }), { seed: seed + round, numRuns: 50, endOnFailure: true });
  if (round % 20 === 0) console.log(`  ${Math.round((Date.now() - started) / 1000)} s: ${stats.cases} mutants, ${stats.loaded} loaded, ${stats.ran} ran, ${stats.findings} findings`);
  if (result.failed) {
    stats.findings++;
    const out = 'test-artifacts/onnx-fuzz';
    mkdirSync(out, { recursive: true });
    const counterexample = result.counterexample?.[0] ?? [];
    const path = `${out}/${file.name}-seed${seed + round}.onnx`;
    writeFileSync(path, apply(counterexample as unknown[]));
    console.log(`FINDING in ${file.name} (seed ${seed + round}): ${String(result.errorInstance)}\n  mutations ${JSON.stringify(counterexample)}\n  written to ${path}`);
  }
}
console.log(`fuzz-onnx: ${stats.cases} mutants in ${Math.round((Date.now() - started) / 1000)} s (seed ${seed}): ${stats.loaded} loaded, ${stats.ran} ran, ${stats.findings} findings`);
console.log('most common rejections:');
for (const [m, n] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${n}\t${m}`);
