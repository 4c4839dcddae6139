#!/usr/bin/env node
// The dnnkit command: runs the compiled CLI (npm install builds it via the prepare script).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then((code) => { process.exitCode = code; });
