/**
 * Imported first by `main.tsx`: the page runs under `script-src 'self'`
 * (no eval), and zod (the protocol's frame schemas) otherwise probes
 * `new Function('')` to decide whether to compile its parsers — a probe
 * the CSP blocks and reports as a violation. Jitless parsing needs no eval.
 */
import { config } from 'zod';

config({ jitless: true });
