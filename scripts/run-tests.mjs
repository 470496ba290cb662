#!/usr/bin/env node
/**
 * Runs every test suite (`packages/*\/test/*.test.ts`) with node's test runner,
 * leaving out — with one line saying so and how to enable them — the suites
 * that need a tool this machine lacks:
 * - Chromium, for suites that drive the web client (they import
 *   `helpers/browser.js`): Debian's `/usr/bin/chromium`, or `CONCLAVE_CHROMIUM`;
 * - tmux, for suites that drive the terminal client through a pseudo-terminal
 *   (they call `tmux(`);
 * - ngIRCd, for the smoke run of the side-by-side bench (`bench/ngircd.ts`);
 * - PostgreSQL (127.0.0.1:5432 or `CONCLAVE_TEST_POSTGRES_URL`), for the store
 *   suites on PostgreSQL and the cluster suites (they import `pg-database.js`
 *   or `cluster-env.js`);
 * - Redis (127.0.0.1:6379 or `CONCLAVE_TEST_REDIS_URL`), for the cluster suites.
 * With `CONCLAVE_TEST_REQUIRE_ALL=1` (set by `.ci/run`, which installs the
 * tools) a missing tool is an error instead, so CI never skips a suite.
 * Arguments naming test files (`…/x.test.ts`) run just those suites; other
 * arguments are passed to `node --test` before the files.
 * Exit code: the test runner's, or 1 when a required tool is missing.
 */
import { spawnSync, spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const requireAll = process.env.CONCLAVE_TEST_REQUIRE_ALL === '1';

/** A file `path` the current user may execute. */
function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` runs from PATH (`name -V` exits 0). */
function onPath(name) {
  const r = spawnSync(name, ['-V'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/**
 * Whether the server of `url` accepts a TCP connection within 1 s (in a child
 * process: this script decides synchronously). The suites report a refused login themselves.
 */
function accepts(url, defaultPort) {
  const { hostname, port } = new URL(url);
  const probe = `const s = require('node:net').connect(${Number(port || defaultPort)}, ${JSON.stringify(hostname || '127.0.0.1')});
    s.setTimeout(1000, () => process.exit(1)); s.on('error', () => process.exit(1)); s.on('connect', () => process.exit(0));`;
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

const chromium = process.env.CONCLAVE_CHROMIUM ?? '/usr/bin/chromium';

/** The tools suites may need: how a suite shows it needs one, whether it is here, how to get it. */
const TOOLS = [
  {
    name: 'Chromium',
    kind: 'browser',
    needs: (text) => text.includes('helpers/browser.js'),
    present: () => executable(chromium),
    enable: `install Debian's chromium (sudo apt-get install chromium) or set CONCLAVE_CHROMIUM to a Chromium binary; looked for ${chromium}`,
  },
  {
    name: 'ngIRCd',
    kind: 'side-by-side bench',
    needs: (text) => text.includes("runBench('ngircd.ts'"),
    present: () => {
      // Debian installs it in /usr/sbin, often not on a user's PATH; bench/ngircd.ts looks there too.
      const r = spawnSync(process.env.NGIRCD ?? (executable('/usr/sbin/ngircd') ? '/usr/sbin/ngircd' : 'ngircd'), ['--version'], { stdio: 'ignore' });
      return r.error === undefined && r.status === 0;
    },
    enable: 'install ngIRCd (sudo apt-get install ngircd) or set NGIRCD to its binary',
  },
  {
    name: 'PostgreSQL',
    kind: 'database',
    needs: (text) => text.includes('pg-database.js') || text.includes('cluster-env.js'),
    present: () => accepts(process.env.CONCLAVE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', 5432),
    enable: 'install PostgreSQL (sudo apt-get install postgresql) with a passwordless postgres role on 127.0.0.1:5432 and a database named test, or set CONCLAVE_TEST_POSTGRES_URL to such a server',
  },
  {
    name: 'Redis',
    kind: 'cluster',
    needs: (text) => text.includes('cluster-env.js'),
    present: () => accepts(process.env.CONCLAVE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', 6379),
    enable: 'install Redis (sudo apt-get install redis-server) on 127.0.0.1:6379, or set CONCLAVE_TEST_REDIS_URL',
  },
  {
    name: 'tmux',
    kind: 'terminal',
    needs: (text) => text.includes('tmux('),
    present: () => onPath('tmux'),
    enable: 'install tmux (sudo apt-get install tmux)',
  },
];

const args = process.argv.slice(2);
const chosen = args.filter((a) => a.endsWith('.test.ts'));
const nodeArgs = args.filter((a) => !a.endsWith('.test.ts'));

const all = readdirSync(path.join(root, 'packages'))
  .flatMap((pkg) => {
    const dir = path.join('packages', pkg, 'test');
    try {
      return readdirSync(path.join(root, dir))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  })
  .sort();
const files = chosen.length > 0 ? chosen.map((f) => path.relative(root, path.resolve(f))) : all;
const unknown = files.filter((f) => !all.includes(f));
if (unknown.length > 0) {
  console.error(`No such test suite: ${unknown.join(', ')}`);
  process.exit(1);
}

const run = [];
const skipped = new Map();
for (const file of files) {
  const text = readFileSync(path.join(root, file), 'utf8');
  const missing = TOOLS.find((tool) => tool.needs(text) && !tool.present());
  if (missing === undefined) run.push(file);
  else skipped.set(missing, [...(skipped.get(missing) ?? []), file]);
}

for (const [tool, suites] of skipped) {
  const line = `${tool.name} not found: ${suites.length} ${tool.kind} suite${suites.length === 1 ? '' : 's'} ${requireAll ? 'cannot run' : 'skipped'} (${suites.map((f) => path.basename(f, '.test.ts')).join(', ')}); to run them, ${tool.enable}.`;
  console.error(line);
}
if (requireAll && skipped.size > 0) {
  console.error('CONCLAVE_TEST_REQUIRE_ALL=1: every suite must run.');
  process.exit(1);
}

// Three suites at a time: most of a suite's time is waiting on its server, browser or terminal, so on the
// 2-core development machine three overlap better than two (npm test 4:54 → 3:36, the same 297 tests).
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=3', ...nodeArgs, ...run], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => {
  if (skipped.size > 0) console.error(`(${[...skipped.values()].flat().length} suites were skipped for a missing tool: see the lines at the start.)`);
  process.exit(code ?? (signal ? 1 : 0));
});
