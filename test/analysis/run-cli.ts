/** Runs the dnnkit CLI from source (under tsx) or compiled (dist/test): what the e2e tests spawn. */
import { main } from '../../src/cli/main.js';

main(process.argv).then((code) => { process.exitCode = code; });
