#!/usr/bin/env node
/**
 * Builds what Conclave runs, each part only when it is missing or older than
 * its sources (`--force` always builds). Run by the root `postinstall`,
 * `prestart` and `test` scripts, so `npm install && npm start` always runs a
 * current build and nothing is interpreted at run time.
 *
 * - `packages/cli/dist/`: the `conclave` program, TypeScript compiled and
 *   bundled by esbuild (ESM, split into chunks so each subcommand loads only
 *   what it needs, on first use). The workspace packages (`@conclave/*`) are
 *   bundled in, and so are the server's pure-JS dependencies (`BUNDLED`, with
 *   everything they import): Node's module loader was two thirds of the
 *   server's start-up, file by file. Any other dependency from the npm
 *   registry stays an `import` of `node_modules`, unless it would resolve to
 *   a different copy from the output folder than from the importing source
 *   (a nested `packages/x/node_modules`), in which case the importer's copy
 *   is bundled. Native addons and pino (its transports load by file name in
 *   a worker) always stay external. `mls-worker.js` beside it is the terminal
 *   client's MLS worker thread (`packages/cli/src/mls-thread.ts`).
 * - `bench/dist/server-child.js`: the server process of the benchmarks, built
 *   the same way so a bench measures the compiled server.
 * - `packages/web/dist/`: the web client (Vite).
 *
 * Usage: node scripts/build.mjs [--force] [--only cli|bench|web]…
 * Exit code: 0, or 1 when a build fails (its errors are printed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const at = (p) => path.join(root, p);
const NODE_SOURCES = [
  'packages/cli/src',
  'packages/server/src',
  'packages/client/src',
  'packages/protocol/src',
  'tsconfig.json',
  'scripts/build.mjs',
  // Bundled dependencies: a new install (or patch) rebuilds.
  'package-lock.json',
  'patches',
];

/** Registry packages bundled with everything they import (the server's, pure JS). */
const BUNDLED = new Set(['fastify', '@fastify/cookie', '@fastify/static', 'kysely', 'prom-client', 'rate-limiter-flexible', 'ws', 'zod']);
/** Never bundled: native addons, pino (transports by file name), optional native helpers of ws. */
const NEVER_BUNDLED = new Set(['better-sqlite3', '@node-rs/argon2', 'pino', 'pino-pretty', 'thread-stream', 'bufferutil', 'utf-8-validate', 'selfsigned']);

/** The package name of a bare import (`@scope/name` or `name`). */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Newest modification time under `file` (a file or a directory tree), ms; 0 when absent. */
function newest(file) {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(file).reduce((max, name) => Math.max(max, newest(path.join(file, name))), stat.mtimeMs);
}

/** The parts, each with the file that marks it built, its sources and how to build it. */
const PARTS = [
  {
    name: 'cli',
    what: 'the conclave program (packages/cli/dist)',
    output: 'packages/cli/dist/bin.js',
    sources: NODE_SOURCES,
    build: () => bundle({ entryPoints: [at('packages/cli/src/bin.ts'), at('packages/cli/src/mls-worker.ts')], outdir: at('packages/cli/dist'), splitting: true }),
  },
  {
    name: 'bench',
    what: 'the benchmarks’ server process (bench/dist)',
    output: 'bench/dist/server-child.js',
    sources: [...NODE_SOURCES, 'bench/server-child.ts'],
    build: () => bundle({ entryPoints: [at('bench/server-child.ts')], outdir: at('bench/dist'), splitting: false }),
  },
  {
    name: 'web',
    what: 'the web client (packages/web/dist)',
    output: 'packages/web/dist/index.html',
    sources: ['packages/web/src', 'packages/web/public', 'packages/web/index.html', 'packages/web/vite.config.ts', 'packages/client/src', 'packages/protocol/src'],
    build: async () => {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const result = spawnSync(npm, ['run', 'build', '--silent', '-w', '@conclave/web'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
      if (result.status !== 0) throw new Error('the web client did not build');
    },
  },
];

/**
 * Resolves bare imports: `@conclave/*` and anything resolving outside a
 * `node_modules` folder is bundled; a registry package is external when the
 * output folder resolves it to the same file as the importer does.
 */
function externalsPlugin(outdir) {
  return {
    name: 'conclave-externals',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'inner' || args.path.startsWith('node:')) return undefined;
        const options = { kind: args.kind, pluginData: 'inner' };
        const fromImporter = await build.resolve(args.path, { ...options, resolveDir: args.resolveDir, importer: args.importer });
        const name = packageName(args.path);
        if (NEVER_BUNDLED.has(name)) return { path: args.path, external: true };
        if (fromImporter.errors.length > 0 || fromImporter.external) return fromImporter;
        if (!fromImporter.path.split(path.sep).includes('node_modules')) return fromImporter;
        // A bundled package, or an import made by one (the importer is then inside node_modules).
        if (BUNDLED.has(name) || args.importer.split(path.sep).includes('node_modules')) return fromImporter;
        const fromOutput = await build.resolve(args.path, { ...options, resolveDir: outdir });
        if (fromOutput.errors.length === 0 && fromOutput.path === fromImporter.path) return { path: args.path, external: true };
        return fromImporter;
      });
    },
  };
}

/** One esbuild run for Node (ESM), output folder emptied first. */
async function bundle({ entryPoints, outdir, splitting }) {
  const esbuild = await import('esbuild');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true }); // resolving from the output folder needs it to exist
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    splitting,
    format: 'esm',
    platform: 'node',
    target: 'node20.12',
    tsconfig: at('tsconfig.json'),
    sourcemap: true,
    minify: true,
    keepNames: true, // stack traces and error names stay readable
    chunkNames: '[name]-[hash]', // beside the entry: import.meta.url-relative paths (the web root) stay right
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require() (Node built-ins among others): give ESM output one.
    banner: { js: "import { createRequire as __conclaveCreateRequire } from 'node:module'; const require = __conclaveCreateRequire(import.meta.url);" },
    plugins: [externalsPlugin(outdir)],
  });
}

const args = process.argv.slice(2);
const force = args.includes('--force');
const only = args.flatMap((a, i) => (args[i - 1] === '--only' ? [a] : []));
let failed = false;
for (const part of PARTS) {
  if (only.length > 0 && !only.includes(part.name)) continue;
  const builtAt = newest(at(part.output));
  if (!force && builtAt > 0 && part.sources.every((s) => newest(at(s)) <= builtAt)) continue;
  console.log(`Building ${part.what}…`);
  try {
    await part.build();
  } catch (err) {
    console.error(`Build failed: ${part.what}: ${err instanceof Error ? err.message : String(err)}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
