/**
 * The entry point of the compiled `conclave` program (`dist/bin.js`, run by
 * `bin/conclave.js`). The program itself is built by `buildProgram` in
 * `main.ts`, which tests import without running anything.
 */
import { main } from './main.js';

await main();
