import { Worker } from 'node:worker_threads';
import { workerMls, type MlsRunner, type MlsWorkerReply } from '@conclave/client';

/**
 * An MLS runner (`ClientOptions.mls`) on a `worker_threads` Worker running
 * `mls-worker.ts`, so Commits, joins and GroupInfos of large groups (about a
 * second each at 1 000 members) never block the terminal. The thread starts
 * on the first call (a session that only sends never starts it) and keeps
 * the process alive only while a call is pending. If it cannot start or
 * dies, the calls run in this thread instead (`workerMls`).
 * @param options.file another worker script (tests)
 */
export function threadMls(options: { file?: URL } = {}): MlsRunner {
  let worker: Worker | undefined;
  let pending = 0;
  let onReply: (reply: MlsWorkerReply) => void = () => {};
  let onFailure: (error: unknown) => void = () => {};
  const start = (): Worker => {
    // Compiled, this module and the worker are both in dist/ as .js. Run from the TypeScript sources (tests,
    // benches, under tsx) the worker is .ts, and a worker thread does not get tsx's loader from `--import tsx`
    // on Node 20: a bootstrap registers it in the thread first.
    const source = options.file === undefined && import.meta.url.endsWith('.ts');
    const file = options.file ?? new URL(`./mls-worker.${source ? 'ts' : 'js'}`, import.meta.url);
    const w = source
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true })
      : new Worker(file);
    w.on('message', (reply: MlsWorkerReply) => {
      pending -= 1;
      if (pending === 0) w.unref();
      onReply(reply);
    });
    w.on('error', (err) => onFailure(err));
    w.on('exit', (code) => onFailure(new Error(`the MLS worker exited with code ${code}`)));
    return w;
  };
  return workerMls({
    post(request) {
      worker ??= start();
      pending += 1;
      worker.ref();
      worker.postMessage(request);
    },
    onReply: (listener) => (onReply = listener),
    onFailure: (listener) => (onFailure = listener),
    terminate() {
      void worker?.terminate();
    },
  });
}
