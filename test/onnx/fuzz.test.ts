/**
 * Bounded fuzzing of the ONNX loader with mutated valid files (bit flips, truncations, splices,
 * insertions; fast-check, fixed seed): every mutant either loads and runs or fails with an
 * OnnxError — no other exception, no hang. scripts/fuzz-onnx.ts runs the same harness longer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeNpy } from '../../src/io/npy.js';
import { repoPath } from '../helpers.js';
import { SUPPORTED_OPERATORS } from '../../src/io/onnx/ops/index.js';
import { edit, editArb, mutate, mutationArb, tryMutant } from './fuzz-harness.js';

for (const name of ['tiny_cnn_opset11', 'encoder_decoder']) {
  test(`fuzz: mutated ${name}.onnx loads and runs or fails with an OnnxError`, () => {
    const original = new Uint8Array(readFileSync(repoPath('test/fixtures/onnx', `${name}.onnx`)));
    const input = decodeNpy(readFileSync(repoPath('test/fixtures/onnx', `${name}.input.npy`)));
    const stats = { cases: 0, loaded: 0, ran: 0 };
    fc.assert(fc.property(mutationArb, (mutations) => {
      const outcome = tryMutant(mutate(original, mutations), input);
      stats.cases++;
      if (outcome.loaded) stats.loaded++;
      if (outcome.ran) stats.ran++;
    }), { seed: 20261125, numRuns: 400, interruptAfterTimeLimit: 12_000 });
    assert.ok(stats.cases >= 50, `only ${stats.cases} cases ran`);
    console.log(`fuzz ${name}: ${stats.cases} mutants, ${stats.loaded} loaded, ${stats.ran} ran`);
  });
}

test('fuzz: structure-aware edits (attribute values, dims, wiring, operator types) of encoder_decoder.onnx', () => {
  const original = new Uint8Array(readFileSync(repoPath('test/fixtures/onnx', 'encoder_decoder.onnx')));
  const input = decodeNpy(readFileSync(repoPath('test/fixtures/onnx', 'encoder_decoder.input.npy')));
  const stats = { cases: 0, loaded: 0, ran: 0 };
  fc.assert(fc.property(editArb, (edits) => {
    const outcome = tryMutant(edit(original, edits, SUPPORTED_OPERATORS), input);
    stats.cases++;
    if (outcome.loaded) stats.loaded++;
    if (outcome.ran) stats.ran++;
  }), { seed: 20261125, numRuns: 300, interruptAfterTimeLimit: 12_000 });
  assert.ok(stats.cases >= 50, `only ${stats.cases} cases ran`);
  console.log(`fuzz edits: ${stats.cases} mutants, ${stats.loaded} loaded, ${stats.ran} ran`);
});
