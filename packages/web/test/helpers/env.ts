import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUser, setRegistrationPolicy, startServer, type RunningServer, type ServerOptions } from '@conclave/server';
import { runCli as runConclave, type RunResult } from '../../../cli/test/helpers/env.js';

/** The repository root (where `npm test` runs). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/**
 * The built web client the server serves at `/`: `packages/web/dist`, or
 * `CONCLAVE_WEB_ROOT` (a copy of a build, e.g. while `dist` is being rebuilt).
 */
export const WEB_ROOT = process.env.CONCLAVE_WEB_ROOT ?? join(REPO_ROOT, 'packages', 'web', 'dist');
/** Where the suite writes screenshots (git-ignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'screenshots');
/** The `conclave` binary (terminal client). */

const BUILD_LOCK = join(tmpdir(), 'conclave-web-build.lock');
const BUILD_DEADLINE_MS = 240_000;

/**
 * Builds the web client when `dist` is missing or older than its sources
 * (`scripts/build.mjs --only web`, the check `npm start` and `npm test` make). Test files run in parallel processes, so the
 * build is guarded by a lock directory; the others wait (bounded) for it.
 * @throws Error when the build fails or another process's build does not finish in time
 */
export function ensureWebBuilt(): void {
  const deadline = Date.now() + BUILD_DEADLINE_MS;
  while (!tryLock()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for another test process to build the web client');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4), 0, 1), 0, 0, 250);
  }
  try {
    // The same check as `npm start`: rebuilds when dist is missing or older than its sources (no stale client under test).
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--only', 'web'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: BUILD_DEADLINE_MS });
    const index = join(WEB_ROOT, 'index.html');
    if (!existsSync(index)) throw new Error(`the web build finished without ${index}`);
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`building the web client failed: ${String(err)}\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** Takes the build lock (a stale one, older than the build deadline, is broken). */
function tryLock(): boolean {
  try {
    mkdirSync(BUILD_LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(BUILD_LOCK).mtimeMs > BUILD_DEADLINE_MS) rmSync(BUILD_LOCK, { recursive: true, force: true });
    } catch {
      // gone meanwhile: the next round takes it
    }
    return false;
  }
}

export interface WebEnv {
  /** The running server (a new object after `start()`). */
  readonly server: RunningServer;
  /** `https://127.0.0.1:<port>`: the page origin. */
  readonly origin: string;
  /** `127.0.0.1:<port>` as the terminal client takes it. */
  readonly address: string;
  readonly port: number;
  readonly dataDir: string;
  /** Temp root (data dir, terminal profiles). */
  readonly root: string;
  /** Stops the server (clients see it go away); `start()` brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if running and removes the temp root. */
  close(): Promise<void>;
}

/**
 * A real server on 127.0.0.1 (ephemeral port) in a temp data dir, serving the
 * built web client, with `users` (username → password) created (those named
 * in `admins` as admins, the others as members), and open registration when
 * `openRegistration`; `presenceGraceMs` shortens the wait before a `logout`
 * notice (default `LIMITS.presenceGraceMs`, 10 s).
 */
export async function startWebEnv(
  opts: { users?: Record<string, string>; admins?: string[]; openRegistration?: boolean; presenceGraceMs?: number } = {},
): Promise<WebEnv> {
  ensureWebBuilt();
  const root = await mkdtemp(join(tmpdir(), 'conclave-web-test-'));
  const dataDir = join(root, 'data');
  const options = (port: number): ServerOptions => ({
    host: '127.0.0.1',
    port,
    dataDir,
    logLevel: 'silent',
    webRoot: WEB_ROOT,
    ...(opts.presenceGraceMs === undefined ? {} : { presenceGraceMs: opts.presenceGraceMs }),
  });
  let server: RunningServer | null = await startServer(options(0));
  const port = server.port;
  if (opts.openRegistration) await setRegistrationPolicy(dataDir, 'open');
  for (const [username, password] of Object.entries(opts.users ?? {})) {
    await addUser({ dataDir, username, password, admin: opts.admins?.includes(username) ?? false });
  }
  return {
    get server() {
      if (server === null) throw new Error('the server is stopped');
      return server;
    },
    origin: `https://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    port,
    dataDir,
    root,
    async stop() {
      const s = server;
      server = null;
      if (s !== null) await withDeadline(s.close(), STOP_DEADLINE_MS, 'the server to stop');
    },
    async start() {
      if (server !== null) return;
      // The old listener is closed; retry briefly in case the port is not free yet.
      for (let attempt = 0; ; attempt++) {
        try {
          server = await startServer(options(port));
          return;
        } catch (err) {
          if (attempt >= 20 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
          await sleep(100);
        }
      }
    },
    async close() {
      const s = server;
      server = null;
      await s?.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** How long `stop()` waits for the server to close before giving up. */
const STOP_DEADLINE_MS = 120_000;

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a truthy value (returned) or `ms` pass (throws, naming `what` and the last value). */
export async function until<T>(check: () => T | Promise<T>, what: string, ms = 10_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ------------------------------------------------------------ the terminal client

/** What a `conclave` run printed, and its exit status. */
export type CliResult = RunResult;

/** Runs `conclave ARGS` to completion with a deadline (killed after `timeoutMs`); the terminal client's own test runner. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  return runConclave(args, { env, timeoutMs });
}

/**
 * One `conclave read --json` line: a `message` (`text`, `replyTo`, `mentions`, `emote`, `deleted`), a
 * `file` (`name`, `mime`, `size`, `image`, `caption`; with `--download-dir` also `sha256` and `path` of
 * the saved copy), or a `reaction` (`target`, `emoji`, `op`), `edit` (`target`, `text`), `delete`
 * (`target`) or `notice` (`topic`).
 */
export interface ReadLine {
  kind?: 'message' | 'file' | 'reaction' | 'edit' | 'delete' | 'notice';
  conversation: string;
  seq: number;
  sender: string;
  text: string;
  sentAt: number;
  replyTo?: number | null;
  mentions?: string[];
  emote?: boolean;
  deleted?: boolean;
  target?: number;
  emoji?: string;
  op?: 'add' | 'remove';
  topic?: string;
  name?: string;
  mime?: string;
  size?: number;
  image?: { width: number; height: number };
  caption?: string;
  sha256?: string;
  path?: string;
}

/** What `conclave send` can do besides a plain message: its flag and message number. */
export type SendAct = { replyTo: number } | { react: number } | { edit: number } | { delete: number };

/** A terminal-client user with its own profile dir, pinned to the server's certificate. */
export function terminalUser(env: WebEnv, username: string, password: string) {
  const profileDir = join(env.root, `terminal-${username}`);
  const common = () => ['--user', username, '--profile-dir', profileDir, '--fingerprint', env.server.fingerprint];
  const asUser = { CONCLAVE_PASSWORD: password };
  /** Every line read so far, in order. */
  const received: ReadLine[] = [];
  const self = {
    received,
    /**
     * One `read --json`: what arrived since the last read (also appended to `received`); with
     * `downloadDir`, files are saved there (`--download-dir`).
     */
    async read(downloadDir?: string): Promise<ReadLine[]> {
      const dir = downloadDir === undefined ? [] : ['--download-dir', downloadDir];
      const r = await runCli(['read', env.address, '--json', ...dir, ...common()], asUser, 60_000);
      if (r.code !== 0) throw new Error(`conclave read as ${username} exited ${r.code}: ${r.stderr}`);
      const lines = r.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as ReadLine);
      received.push(...lines);
      return lines;
    },
    /** Reads until `done(received)` holds, or throws after `ms` with what was read (files saved into `downloadDir` if given). */
    async readUntil(done: (all: ReadLine[]) => boolean, what: string, ms = 30_000, downloadDir?: string): Promise<ReadLine[]> {
      const deadline = Date.now() + ms;
      for (;;) {
        await self.read(downloadDir);
        if (done(received)) return received;
        if (Date.now() > deadline) throw new Error(`${username} (terminal) timed out waiting for ${what}; read: ${JSON.stringify(received)}`);
        await sleep(300);
      }
    },
    /** `conclave send --file PATH` (with `caption` as its text, if any). */
    async sendFile(to: string, path: string, caption?: string): Promise<void> {
      const r = await runCli(['send', env.address, '--to', to, '--file', path, ...common(), ...(caption === undefined ? [] : [caption])], asUser, 60_000);
      if (r.code !== 0) throw new Error(`conclave send --file as ${username} exited ${r.code}: ${r.stderr}`);
    },
    async send(to: string, text: string): Promise<void> {
      const r = await runCli(['send', env.address, '--to', to, ...common(), text], asUser);
      if (r.code !== 0) throw new Error(`conclave send as ${username} exited ${r.code}: ${r.stderr}`);
    },
    /**
     * `conclave send --json` with `act` (a reply, a reaction, an edit or a deletion of message N; none: a plain
     * message): `text` is the message, the emoji or the new text. Resolves with the seq the server gave it.
     */
    async act(to: string, text: string, act?: SendAct): Promise<number> {
      const flags = act === undefined ? [] : Object.entries(act).map(([k, n]) => [`--${k === 'replyTo' ? 'reply-to' : k}`, String(n)]).flat();
      const r = await runCli(['send', env.address, '--to', to, '--json', ...flags, ...common(), ...(text === '' ? [] : [text])], asUser);
      if (r.code !== 0) throw new Error(`conclave send ${flags.join(' ')} as ${username} exited ${r.code}: ${r.stderr}`);
      return (JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { seq: number }).seq;
    },
  };
  return self;
}
