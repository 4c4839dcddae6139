/** Child process of csp.test.ts: load and run an ONNX model with code generation from strings disallowed. */
import { readFileSync } from 'node:fs';
import { loadOnnxBytes } from '../../src/io/onnx/load.js';
import { toOnnxBytes } from '../../src/io/onnx/export.js';
import { decodeNpy } from '../../src/io/npy.js';
import * as nn from '../../src/nn/index.js';

const model = loadOnnxBytes(new Uint8Array(readFileSync('test/fixtures/onnx/squeezenet1_1_small.onnx')));
const y = model.call(decodeNpy(readFileSync('test/fixtures/onnx/squeezenet1_1_small.input.npy')));
const bytes = toOnnxBytes(new nn.Sequential(new nn.Linear(3, 2)), { inputShape: [1, 3] });
process.stdout.write(JSON.stringify({ output: Array.from(y.data), exported: bytes.length }));
