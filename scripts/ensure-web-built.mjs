#!/usr/bin/env node
// Builds the web client (packages/web/dist) when it is missing or older than
// its sources, so `npm install && npm start` always serves a current client.
// Run by the root `postinstall` and `prestart` scripts; `--force` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'packages/web/dist/index.html');
const sources = [
  'packages/web/src',
  'packages/web/public',
  'packages/web/index.html',
  'packages/web/vite.config.ts',
  'packages/client/src',
  'packages/protocol/src',
].map((p) => join(root, p));

/** Newest modification time under `path` (a file or a directory tree), ms. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

const force = process.argv.includes('--force');
const builtAt = existsSync(output) ? statSync(output).mtimeMs : 0;
if (!force && builtAt > 0 && sources.every((s) => newest(s) <= builtAt)) process.exit(0);

console.log('Building the web client (packages/web)…');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['run', 'build', '--silent', '-w', '@conclave/web'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
