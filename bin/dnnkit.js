#!/usr/bin/env node
// The dnnkit command: runs the compiled CLI (npm install builds it via the prepare script).
import { main } from '../dist/src/cli/main.js';

// `dnnkit summary vgg16 | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then((code) => { process.exitCode = code; });
