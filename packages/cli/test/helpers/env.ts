import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUser, startServer } from '@conclave/server';

/**
 * The `conclave` binary under test: the compiled build, as users run it
 * (`npm test` builds it first; a test file run alone rebuilds it when stale).
 */
export const BIN = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
execFileSync(process.execPath, [fileURLToPath(new URL('../../../../scripts/build.mjs', import.meta.url)), '--only', 'cli'], { stdio: 'inherit' });

export const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;

/** A real server in a temp dir with alice and bob, plus a temp profile dir; `close` cleans up. */
export async function startEnv() {
  const root = await mkdtemp(join(tmpdir(), 'conclave-cli-test-'));
  const dataDir = join(root, 'data');
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  for (const [username, password] of Object.entries(PASSWORDS)) await addUser({ dataDir, username, password });
  return {
    server,
    root,
    dataDir,
    profileDir: join(root, 'profile'),
    address: `127.0.0.1:${server.port}`,
    async close() {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `conclave ARGS` to completion (with a deadline, 60 s unless `timeoutMs`), optionally feeding stdin.
 * (The deadline is generous: a run that makes keys takes seconds on a loaded 2-core machine.)
 */
export function runCli(args: string[], opts: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, CONCLAVE_PASSWORD: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conclave ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/**
 * The environment of the terminal under test: a person's terminal, not CI's.
 * (Ink renders only the final frame when it sees `CI` set, as it is in CI runs.)
 */
function terminalEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  return env;
}

/** tmux on its own socket (`-L`), killed by `kill()`. */
export function tmux(socket: string) {
  const env = terminalEnv();
  const run = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('tmux', ['-L', socket, ...args], { env }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
  return {
    run,
    /** Starts `command` in a detached 120×40 session. */
    start: (session: string, command: string) => run('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command),
    /** Types `text` then Enter. */
    type: (session: string, text: string) => run('send-keys', '-t', session, '-l', text).then(() => run('send-keys', '-t', session, 'Enter')),
    keys: (session: string, ...keys: string[]) => run('send-keys', '-t', session, ...keys),
    capture: (session: string) => run('capture-pane', '-p', '-t', session),
    /** Polls the screen until `pattern` shows (or throws with the screen after `ms`). */
    async waitFor(session: string, pattern: RegExp | string, ms = 15_000): Promise<string> {
      const deadline = Date.now() + ms;
      let screen = '';
      while (Date.now() < deadline) {
        screen = await run('capture-pane', '-p', '-t', session).catch(() => screen);
        if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) return screen;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${String(pattern)}; screen:\n${screen}`);
    },
    kill: () => run('kill-server').catch(() => ''),
  };
}

/** One line of `--json` output. */
export type JsonLine = Record<string, unknown>;

/** The JSON lines of a `--json` run's stdout (blank lines skipped). */
export function jsonLines(stdout: string): JsonLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JsonLine);
}
