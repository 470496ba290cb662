import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertFields, runBench } from './bench-run.js';

// The side-by-side bench against ngIRCd (issue 12), run tiny so it cannot rot. It needs the
// ngircd binary: scripts/run-tests.mjs skips this suite with one line where it is missing.

test('bench: the same fan-out load against ngIRCd (5 members, 10 messages) prints its figures', async () => {
  const run = await runBench('ngircd.ts', ['--members', '5', '--seconds', '1', '--rate', '10']);
  assertFields(run, ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'serverRssMiB', 'serverCpuPct', 'server']);
  assert.equal(run.json.delivered, run.json.expected);
  assert.equal(run.json.expected, 10 * 4);
});
