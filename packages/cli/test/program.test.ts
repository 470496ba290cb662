import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { buildProgram } from '../src/main.js';
import { CliError, EXIT } from '../src/errors.js';

// In process through the program builder: no separate `conclave` process is needed to test parsing.

/** Parses `args` as `conclave ARGS`; returns what it threw (or undefined) and what commander printed. */
async function parse(args: string[]): Promise<{ thrown: unknown; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = buildProgram().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s), outputError: (s, write) => write(s) });
  try {
    await program.parseAsync(['node', 'conclave', ...args]);
    return { thrown: undefined, out, err };
  } catch (e) {
    return { thrown: e, out, err };
  }
}

test('an unknown command is named, with the nearest one and the list, as a usage error', async () => {
  const { thrown } = await parse(['sever']);
  assert.ok(thrown instanceof CliError);
  assert.equal(thrown.exitCode, EXIT.usage);
  assert.equal(thrown.message, "unknown command 'sever' (did you mean server?); the commands are chat, send, read, server, admin (see conclave --help)");
  const far = await parse(['frobnicate']);
  assert.ok(far.thrown instanceof CliError);
  assert.doesNotMatch(far.thrown.message, /did you mean/);
});

test('--help lists every command once and exits 0 without running any', async () => {
  const { thrown, out } = await parse(['--help']);
  assert.ok(thrown instanceof CommanderError);
  assert.equal(thrown.exitCode, 0);
  assert.match(out, /^Usage: conclave \[options\] \[command\]$/m);
  for (const name of ['chat', 'send', 'read', 'server', 'admin']) assert.equal(out.match(new RegExp(`^  ${name} `, 'gm'))?.length, 1, name);
});

test('a bad option value is refused by the parser with its reason, before anything starts', async () => {
  const { thrown } = await parse(['server', '--port', '70000']);
  assert.ok(thrown instanceof CommanderError);
  assert.notEqual(thrown.exitCode, 0);
  assert.match(thrown.message, /'--port <port>' argument '70000' is invalid\. expected a port 0–65535/);
});
