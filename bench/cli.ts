/**
 * CLI start-up benchmark: wall time from spawn to exit of
 * `conclave [subcommand] --help` (`node packages/cli/bin/conclave.js`, as the
 * installed binary runs), `runs` times each, in sequence; the median and the
 * range per command, ms. The subcommands are those `conclave --help` lists;
 * `--nested 1` adds the subcommands of each (e.g. `admin add-user`).
 * `--commands send,read` measures only those ("" is bare `conclave --help`).
 *
 * Prints one JSON line `{bench, runs, commands: {"send": {medianMs, minMs, maxMs}, …}}`.
 * Exits 1 with one JSON line `{error}` when a run fails or takes over 60 s.
 *
 *   npm run bench:cli -- [--runs 5] [--nested 0|1] [--commands a,b]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fail, machineLoad, parseFlags, percentile, ROOT, round } from './lib/common.js';

const BENCH = 'cli';
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'conclave.js');
const RUN_TIMEOUT_MS = 60_000;

/** Runs `conclave <args> --help` once; resolves with its stdout and wall time, ms. */
function helpOf(args: string[]): Promise<{ out: string; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args, '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code === 0) resolve({ out, ms });
      else reject(new Error(`conclave ${[...args, '--help'].join(' ')} exited ${code ?? signal}: ${err.trim().split('\n')[0] ?? ''}`));
    });
  });
}

/** The subcommand names in a commander help text's `Commands:` section. */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:\s*$/m)[1];
  if (section === undefined) return [];
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}

async function main(): Promise<void> {
  const opts = parseFlags(process.argv.slice(2), { runs: 5, nested: 0, commands: '*' });
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs must be ≥ 1');
  let commands: string[][];
  if (opts.commands === '*') {
    const top = commandsIn((await helpOf([])).out);
    commands = [[], ...top.map((c) => [c])];
    if (opts.nested === 1) {
      for (const c of top) for (const sub of commandsIn((await helpOf([c])).out)) commands.push([c, sub]);
    }
  } else {
    commands = opts.commands.split(',').map((c) => c.split(' ').filter(Boolean));
  }
  const figures: Record<string, { medianMs: number; minMs: number; maxMs: number }> = {};
  for (const args of commands) {
    const times: number[] = [];
    for (let i = 0; i < opts.runs; i++) times.push((await helpOf(args)).ms);
    figures[args.join(' ') || '(none)'] = { medianMs: percentile(times, 50), minMs: round(Math.min(...times)), maxMs: round(Math.max(...times)) };
  }
  process.stdout.write(`${JSON.stringify({ bench: BENCH, runs: opts.runs, commands: figures, node: process.version, ...machineLoad() })}\n`);
}

main().catch((err: unknown) => fail(BENCH, err));
