import { workerMls, type MlsRunner, type MlsWorkerReply } from '@conclave/client';

/**
 * An MLS runner (`ClientOptions.mls`) on a module Web Worker running
 * `mls-worker.ts` (same origin: the CSP's `worker-src 'self'`), so Commits,
 * joins and GroupInfos of large groups (about a second each at 1 000
 * members) never freeze the page. The worker starts on the first call. If it
 * cannot start or fails, the calls run on the page instead (`workerMls`).
 */
export function webWorkerMls(): MlsRunner {
  let worker: Worker | undefined;
  let onReply: (reply: MlsWorkerReply) => void = () => {};
  let onFailure: (error: unknown) => void = () => {};
  return workerMls({
    post(request) {
      if (worker === undefined) {
        try {
          worker = new Worker(new URL('./mls-worker.ts', import.meta.url), { type: 'module', name: 'conclave-mls' });
        } catch (err) {
          onFailure(err);
          return;
        }
        worker.addEventListener('message', (event: MessageEvent<MlsWorkerReply>) => onReply(event.data));
        worker.addEventListener('error', (event) => onFailure(event));
        worker.addEventListener('messageerror', (event) => onFailure(event));
      }
      worker.postMessage(request);
    },
    onReply: (listener) => (onReply = listener),
    onFailure: (listener) => (onFailure = listener),
    terminate: () => worker?.terminate(),
  });
}
