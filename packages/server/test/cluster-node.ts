/**
 * One node of a test cluster, in a process of its own (so a test can kill it
 * with SIGKILL): starts a server with the options in `CONCLAVE_TEST_NODE`
 * (JSON `ServerOptions`), prints one line `{"wsUrl":…,"url":…,"setupCode":…,"nodeId":…}`
 * once listening, closes on SIGTERM or when stdin closes (the test died).
 *
 *   CONCLAVE_TEST_NODE='{…}' node --import tsx packages/server/test/cluster-node.ts
 */
import { startServer, type ServerOptions } from '../src/index.js';

const options = JSON.parse(process.env.CONCLAVE_TEST_NODE ?? '{}') as ServerOptions;
const server = await startServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options });
process.stdout.write(`${JSON.stringify({ wsUrl: server.wsUrl, url: server.url, setupCode: server.setupCode, nodeId: server.nodeId })}\n`);
let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(0), 5_000).unref();
  void server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
void server.stopped.then(() => process.exit(0));
