#!/usr/bin/env node
// The `conclave` program: runs the compiled build in ../dist (made by
// `npm install`, `npm start` and `npm test`, or `npm run build`).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  process.stderr.write(`conclave: Node.js 20.12 or newer is needed (22 or 24 LTS recommended); this is ${process.version}\n`);
  process.exit(1);
}
// Node 22.1+ keeps V8's compiled code of the program between runs (in the OS temp folder):
// about 70 ms less to start the server on Node 24. Node 20 has no such cache.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
try {
  await import('../dist/bin.js');
} catch (err) {
  // The path in the message has the platform's separators (backslashes on Windows).
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !/dist[\\/]bin\.js/.test(String(err.message))) throw err;
  process.stderr.write('conclave: not built yet; run `npm install` (or `npm run build`) in the Conclave folder first\n');
  process.exit(1);
}
