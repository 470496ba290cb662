import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { DEFAULT_WEB_ROOT, readConfigFile, resolveServerConfig, serverOptions, type ServerConfigFile } from '../src/server-config.js';
import { BIN, runCli } from './helpers/env.js';

/** Parses `conclave server ARGS` with `env` as the environment commander reads (restored afterwards). */
function parseServer(args: string[], env: Record<string, string>): Command {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('CONCLAVE_')) delete process.env[key];
  Object.assign(process.env, env);
  try {
    const cmd = new Command('server').exitOverride().configureOutput({ writeErr: () => undefined });
    for (const option of serverOptions()) cmd.addOption(option);
    return cmd.parse(args, { from: 'user' });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

function resolve(args: string[], env: Record<string, string>, file?: ServerConfigFile) {
  const cmd = parseServer(args, env);
  return resolveServerConfig({
    values: cmd.opts(),
    sourceOf: (key) => cmd.getOptionValueSource(key),
    env,
    cwd: '/work',
    ...(file ? { file: { values: file, dir: '/etc/conclave' } } : {}),
  });
}

test('server settings: a flag beats its variable, a variable beats the config file, the file beats the default', () => {
  const file: ServerConfigFile = { host: '10.0.0.1', port: 9000, dataDir: 'state', logLevel: 'debug', metrics: true };
  assert.deepEqual(resolve([], {}), {
    host: '0.0.0.0',
    port: 8443,
    dataDir: '/work/data',
    webRoot: path.resolve(DEFAULT_WEB_ROOT),
    logLevel: 'info',
    metrics: false,
  });
  const fromFile = resolve([], {}, file);
  assert.equal(fromFile.host, '10.0.0.1');
  assert.equal(fromFile.port, 9000);
  assert.equal(fromFile.dataDir, '/etc/conclave/state', "the file's relative paths are from its own directory");
  assert.equal(fromFile.logLevel, 'debug');
  assert.equal(fromFile.metrics, true);
  const fromEnv = resolve([], { CONCLAVE_HOST: '127.0.0.2', CONCLAVE_PORT: '9001', CONCLAVE_DATA_DIR: 'env-data', CONCLAVE_METRICS: '0' }, file);
  assert.equal(fromEnv.host, '127.0.0.2');
  assert.equal(fromEnv.port, 9001);
  assert.equal(fromEnv.dataDir, '/work/env-data', "a variable's relative path is from the working directory");
  assert.equal(fromEnv.logLevel, 'debug', 'what no variable sets still comes from the file');
  assert.equal(fromEnv.metrics, false);
  const fromFlags = resolve(['--host', '127.0.0.3', '--port', '9002', '--metrics', '--tls-cert', 'c.pem'], { CONCLAVE_HOST: '127.0.0.2', CONCLAVE_PORT: '9001', CONCLAVE_METRICS: '0' }, file);
  assert.equal(fromFlags.host, '127.0.0.3');
  assert.equal(fromFlags.port, 9002);
  assert.equal(fromFlags.metrics, true);
  assert.equal(fromFlags.tlsCert, '/work/c.pem');
  assert.equal(fromFlags.tlsKey, undefined);
  assert.throws(() => resolve([], { CONCLAVE_METRICS: 'maybe' }), /CONCLAVE_METRICS must be 1 or 0/);
});

test('a config file is validated: unknown keys and bad values are named in one line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'conclave-config-'));
  try {
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    assert.deepEqual(readConfigFile(write('ok.json', '{"port": 8443, "dataDir": "/var/lib/conclave"}')), { port: 8443, dataDir: '/var/lib/conclave' });
    const cases: Array<[string, RegExp]> = [
      ['{"prot": 1}', /: unknown key "prot"$/],
      ['{"port": 70000}', /: "port" must be 0–65535$/],
      ['{"port": "8443"}', /: "port" must be a number$/],
      ['{"logLevel": "loud", "metrics": "yes"}', /: "logLevel" must be one of silent, error, warn, info, debug; "metrics" must be true or false$/],
      ['[1]', /: must be a JSON object$/],
      ['{"port": 8443,}', /: not valid JSON \(/],
      ['{"databaseUrl": "mysql://db/conclave"}', /: "databaseUrl" must be a postgres:\/\/ URL$/],
      ['{"redisUrl": "localhost:6379", "nodeId": "a b"}', /: "redisUrl" must be a redis:\/\/ or rediss:\/\/ URL; "nodeId" must be 1–64 letters, digits, dots, dashes or underscores$/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => readConfigFile(write('bad.json', text)), (err: Error) => {
        assert.match(err.message, message);
        assert.ok(!err.message.includes('\n'), 'one line');
        return err.name === 'CliError';
      });
    }
    assert.throws(() => readConfigFile(path.join(dir, 'missing.json')), /missing\.json: no such file$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cluster settings: --database-url, --redis-url, --node-id and --secret-key-file from flags, variables or the config file', () => {
  const file: ServerConfigFile = { databaseUrl: 'postgres://db/file', redisUrl: 'redis://file:6379', nodeId: 'from-file', secretKeyFile: 'keys/secret' };
  const fromFile = resolve([], {}, file);
  assert.equal(fromFile.databaseUrl, 'postgres://db/file');
  assert.equal(fromFile.redisUrl, 'redis://file:6379');
  assert.equal(fromFile.nodeId, 'from-file');
  assert.equal(fromFile.secretKeyFile, '/etc/conclave/keys/secret', 'relative to the config file');
  const fromEnv = resolve([], { CONCLAVE_DATABASE_URL: 'postgresql://db/env', CONCLAVE_NODE_ID: 'node-b' }, file);
  assert.equal(fromEnv.databaseUrl, 'postgresql://db/env');
  assert.equal(fromEnv.nodeId, 'node-b');
  assert.equal(fromEnv.redisUrl, 'redis://file:6379');
  const fromFlags = resolve(['--redis-url', 'rediss://flag:6380', '--node-id', 'node.c'], { CONCLAVE_REDIS_URL: 'redis://env:6379' }, file);
  assert.equal(fromFlags.redisUrl, 'rediss://flag:6380');
  assert.equal(fromFlags.nodeId, 'node.c');
  assert.equal(resolve([], {}).databaseUrl, undefined, 'SQLite by default');
  assert.throws(() => parseServer(['--database-url', 'mysql://db'], {}), /expected a postgres:\/\/ URL/);
  assert.throws(() => parseServer(['--node-id', 'has space'], {}), /expected 1–64 letters/);
});

test('--blob-dir: from a flag, a variable or the config file (relative to it); absent, the server keeps files under the data directory', () => {
  assert.equal(resolve([], {}).blobDir, undefined);
  assert.equal(resolve([], {}, { blobDir: 'shared/blobs' }).blobDir, '/etc/conclave/shared/blobs', 'relative to the config file');
  assert.equal(resolve([], { CONCLAVE_BLOB_DIR: '/mnt/shared/blobs' }, { blobDir: 'x' }).blobDir, '/mnt/shared/blobs');
  assert.equal(resolve(['--blob-dir', '/srv/blobs'], { CONCLAVE_BLOB_DIR: '/mnt/shared/blobs' }).blobDir, '/srv/blobs');
});

/** GET over HTTPS from the server just started (self-signed), bounded. */
function httpsStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

test('conclave server takes its settings from flags, CONCLAVE_* variables and --config, in that order', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'conclave-server-config-'));
  try {
    const etc = path.join(root, 'etc');
    mkdirSync(etc);
    const config = path.join(etc, 'conclave.json');
    writeFileSync(config, JSON.stringify({ port: 0, dataDir: 'file-data', logLevel: 'silent', metrics: true, host: '0.0.0.0' }));
    const envDataDir = path.join(root, 'env-data');
    // Only the variables under test: none a developer's shell may carry.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CONCLAVE_')));
    const child = spawn(process.execPath, [BIN, 'server', '--host', '127.0.0.1'], {
      cwd: root,
      env: { ...env, CONCLAVE_CONFIG: config, CONCLAVE_DATA_DIR: envDataDir, CONCLAVE_HOST: '0.0.0.0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/Stop with Ctrl-C/.test(stdout)) {
        assert.equal(child.exitCode, null, `the server exited early: ${stderr}`);
        assert.ok(Date.now() < deadline, `no banner; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const urls = [...stdout.matchAll(/^ {4}(https:\/\/\S+)$/gm)].map((m) => m[1]!);
      assert.equal(urls.length, 1, `--host beats CONCLAVE_HOST and the file: one address listed\n${stdout}`);
      const url = new URL(urls[0]!);
      assert.equal(url.hostname, '127.0.0.1');
      assert.notEqual(url.port, '8443', "the file's port 0 beats the default");
      assert.ok(existsSync(envDataDir), 'CONCLAVE_DATA_DIR beats the file');
      assert.ok(!existsSync(path.join(etc, 'file-data')));
      assert.equal(await httpsStatus(`${url.origin}/metrics`), 200, '"metrics": true from the file');
      assert.equal(stderr, '');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, 'SIGTERM stops it cleanly');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a bad config file stops conclave server with one line and status 2; admin honours CONCLAVE_DATA_DIR', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'conclave-bad-config-'));
  try {
    const config = path.join(root, 'conclave.json');
    writeFileSync(config, '{"port": 8443, "dataDirectory": "/tmp"}');
    const bad = await runCli(['server', '--config', config]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, `conclave: config file ${config}: unknown key "dataDirectory"\n`);
    assert.equal(bad.stdout, '');
    const viaEnv = await runCli(['server'], { env: { CONCLAVE_CONFIG: path.join(root, 'nope.json') } });
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.stderr, /^conclave: config file .*nope\.json: no such file\n$/);

    const dataDir = path.join(root, 'admin-data');
    const added = await runCli(['admin', 'add-user', 'carol'], { env: { CONCLAVE_DATA_DIR: dataDir }, stdin: 'violet-anchor-83-meadow\n', timeoutMs: 30_000 });
    assert.equal(added.code, 0, added.stderr);
    assert.ok(existsSync(dataDir), 'the user was created in CONCLAVE_DATA_DIR');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
