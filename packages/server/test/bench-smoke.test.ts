import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertFields, runBench } from './bench-run.js';

// A tiny run of each benchmark, so a protocol change that breaks one fails `npm test`.
// Figures are not asserted (this machine's timing is no test): only that each
// bench exits 0 and prints one parseable JSON line with its named fields.

test('bench: fan-out in an MLS room (3 members, 10 messages) prints its figures', async () => {
  const run = await runBench('fanout.ts', ['--members', '3', '--messages', '10', '--senders', '2', '--rate', '20']);
  assertFields(run, ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'ackP99Ms', 'serverRssMiB', 'serverCpuPct']);
  assert.equal(run.json.delivered, run.json.expected);
});

test('bench: idle footprint with 5 authenticated connections prints its figures', async () => {
  const run = await runBench('idle.ts', ['--connections', '5', '--settle', '200']);
  assertFields(run, ['rssIdleMiB', 'rssWithConnectionsMiB', 'perConnectionKiB', 'timeToListenMs']);
});

test('bench: MLS costs at a tiny size print their figures', async () => {
  const run = await runBench('mls.ts', ['--sizes', '3', '--messages', '3']);
  assertFields(run, ['suite', 'results']);
  assert.equal((run.json.results as unknown[]).length, 1);
});

test('bench: CLI start-up of one subcommand prints its figures', async () => {
  const run = await runBench('cli.ts', ['--commands', 'send', '--runs', '1']);
  assertFields(run, ['commands']);
  assert.ok('send' in (run.json.commands as Record<string, unknown>));
});

test('bench: client-side content costs (Markdown, contents, search over 200 messages) print their figures', async () => {
  const run = await runBench('content.ts', ['--messages', '200', '--runs', '2']);
  assertFields(run, ['markdown', 'content', 'search']);
  assert.equal((run.json.search as { messages: number }).messages, 200);
});

test('bench: reconnect storm of 3 users across a server restart prints its figures', async () => {
  const run = await runBench('storm.ts', ['--users', '3', '--settle', '200']);
  assertFields(run, ['coldLoginMs', 'backMs', 'backP99Ms', 'noticesPerDevice', 'serverCpuPct', 'serverRssMiB']);
});

test('bench: one encrypted file of 1 MiB up and down prints its figures', async () => {
  const run = await runBench('files.ts', ['--mib', '1']);
  assertFields(run, ['uploadMBps', 'downloadMBps', 'serverRssMiB']);
});
