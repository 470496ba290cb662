/**
 * The web client's MLS Web Worker: answers each `MlsWorkerRequest` from
 * `mls-thread.ts` with `serveMlsRequest`, one at a time in arrival order, so
 * Commits and joins of large groups never freeze the page.
 */
import './no-eval.js';
import { serveMlsRequest, type MlsWorkerRequest } from '@conclave/client';

let queue: Promise<void> = Promise.resolve();
globalThis.addEventListener('message', (event: MessageEvent<MlsWorkerRequest>) => {
  const request = event.data;
  queue = queue.then(async () => globalThis.postMessage(await serveMlsRequest(request)));
});
