/**
 * Runs benchmarks as `npm run bench…` does, for the smoke suites: a tiny run
 * of each, so a protocol change that breaks one fails `npm test`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What a bench run printed: its exit code, the last stdout line parsed as JSON (`{}` when it is not JSON), all output. */
export interface BenchRun {
  code: number | null;
  json: Record<string, unknown>;
  out: string;
  err: string;
}

/** Runs `bench/<file>` with `args` under tsx; killed after `timeoutMs` ms. */
export function runBench(file: string, args: string[], timeoutMs = 60_000): Promise<BenchRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', file), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(last) as Record<string, unknown>;
      } catch {
        // left empty: the caller's assertions say what was printed
      }
      resolve({ code, json, out, err });
    });
  });
}

/** Asserts that `run` exited 0 and printed every one of `fields`. */
export function assertFields(run: BenchRun, fields: string[]): void {
  assert.equal(run.code, 0, `exit 0 (stdout: ${run.out.slice(-500)}; stderr: ${run.err.slice(-500)})`);
  for (const f of fields) assert.ok(f in run.json, `field ${f} in ${run.out.slice(-500)}`);
}
