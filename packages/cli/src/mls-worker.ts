/**
 * The terminal client's MLS worker thread (`worker_threads`): answers each
 * `MlsWorkerRequest` from `mls-thread.ts` with `serveMlsRequest`, one at a
 * time in arrival order, so Commits and joins of large groups never block
 * the terminal's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { serveMlsRequest, type MlsWorkerRequest } from '@conclave/client';

const port = parentPort;
if (port === null) throw new Error('mls-worker runs as a worker thread (see mls-thread.ts)');
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: MlsWorkerRequest) => {
  queue = queue.then(async () => port.postMessage(await serveMlsRequest(request)));
});
