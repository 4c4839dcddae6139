// Starts the dnnkit CLI from this tree (sources under tsx, or a compiled copy): see run-cli.ts.
import { main } from '../../src/cli/main.js';

main(process.argv).then((code) => { process.exitCode = code; });
