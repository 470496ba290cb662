import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { isConclaveError } from '../src/errors.js';
import { createGroupState, decodeMessage, encryptMessage, epochOf, membersOf, processEntry } from '../src/mls/group.js';
import { inProcessMls, serveMlsRequest, workerMls, type MlsWorkerPort, type MlsWorkerReply, type MlsWorkerRequest } from '../src/mls/runner.js';
import type { KeyPackage } from '../src/mls/ts-mls.js';
import { keyPackageOf, owner } from './helpers/mls.js';

/**
 * The worker protocol of the MLS runner: requests and replies cross a real
 * MessageChannel (structured clone, as between threads), answered by
 * `serveMlsRequest`; the terminal's worker thread is tested in
 * packages/cli/test/mls-thread.test.ts and the browser's Web Worker in the
 * web client's tests.
 */

/** A port whose other end is served by `serveMlsRequest` (unless `broken`), over a MessageChannel. */
function channelPort(options: { broken?: boolean } = {}): MlsWorkerPort & { posted: number; fail(error: unknown): void } {
  const { port1, port2 } = new MessageChannel();
  port2.on('message', (request: MlsWorkerRequest) => {
    if (options.broken) return; // a worker that never answers (its failure is signalled with `fail`)
    void serveMlsRequest(request).then((reply) => port2.postMessage(reply));
  });
  let failure: (error: unknown) => void = () => {};
  const port = {
    posted: 0,
    post(request: MlsWorkerRequest) {
      port.posted += 1;
      port1.postMessage(request);
    },
    onReply(listener: (reply: MlsWorkerReply) => void) {
      port1.on('message', listener);
    },
    onFailure(listener: (error: unknown) => void) {
      failure = listener;
    },
    terminate() {
      port1.close();
      port2.close();
    },
    fail(error: unknown) {
      failure(error);
    },
  };
  return port;
}

const addOf = (kp: { publicPackage: KeyPackage }) => ({ add: [kp.publicPackage] });

describe('MLS runner', () => {
  test('Commit, Welcome join, external join and Commit processing through a worker interoperate with in-process states', async () => {
    const port = channelPort();
    const runner = workerMls(port);
    const alice = createGroupState('conv-runner', await keyPackageOf(owner('alice', 'a1')));
    const bobKp = await keyPackageOf(owner('bob', 'b1'));

    // alice adds bob in the worker; bob joins from the Welcome in the worker.
    const made = await runner.commit(await alice, addOf(bobKp));
    assert.equal(epochOf(made.state), 1);
    assert.ok(made.welcome !== undefined);
    assert.equal(decodeMessage(made.groupInfo).wireformat, 'mls_group_info');
    let bob = await runner.joinWelcome(made.welcome, bobKp);
    assert.deepEqual(membersOf(bob).map((m) => m.userId), ['alice', 'bob']);

    // The states from the worker keep working in this thread: an application message both ways.
    const hello = await encryptMessage(made.state, new TextEncoder().encode('hi bob'));
    const read = await processEntry(bob, hello.message);
    assert.ok(read.kind === 'application');
    assert.equal(new TextDecoder().decode(read.plaintext), 'hi bob');
    bob = read.state;

    // carol joins by external commit in the worker; bob and alice process her Commit in the worker.
    const carol = await runner.joinExternal(made.groupInfo, await keyPackageOf(owner('carol', 'c1')), false);
    const bobSees = await runner.processCommit(bob, carol.commit);
    assert.ok(bobSees.kind === 'commit');
    assert.deepEqual(bobSees.added.map((m) => m.userId), ['carol']);
    const aliceSees = await runner.processCommit(made.state, carol.commit);
    assert.ok(aliceSees.kind === 'commit' && epochOf(aliceSees.state) === 2);
    assert.deepEqual(await runner.groupInfo(aliceSees.state).then((g) => decodeMessage(g).wireformat), 'mls_group_info');
    assert.equal(port.posted, 6, 'every operation went through the port');
    assert.equal(runner.where, 'worker');
    runner.close();
  });

  test('a refusal in the worker arrives as the same ConclaveError as in process', async () => {
    const runner = workerMls(channelPort());
    const alice = await createGroupState('conv-refusal', await keyPackageOf(owner('alice', 'a1')));
    const other = await createGroupState('conv-other', await keyPackageOf(owner('bob', 'b1')));
    const foreign = (await inProcessMls.commit(other, {})).commit;
    const inWorker = await runner.processCommit(alice, foreign).catch((err: unknown) => err);
    const here = await inProcessMls.processCommit(alice, foreign).catch((err: unknown) => err);
    assert.ok(isConclaveError(inWorker) && isConclaveError(here), String(inWorker));
    assert.equal(inWorker.code, here.code);
    runner.close();
  });

  test('when the worker fails, pending and later calls run in this thread; after close() they are CLOSED', async () => {
    const port = channelPort({ broken: true });
    const runner = workerMls(port);
    const alice = await createGroupState('conv-fallback', await keyPackageOf(owner('alice', 'a1')));
    const pending = runner.commit(alice, {});
    port.fail(new Error('worker died'));
    assert.equal(epochOf((await pending).state), 1, 'the pending Commit was made in process');
    const later = await runner.groupInfo(alice);
    assert.equal(decodeMessage(later).wireformat, 'mls_group_info');
    assert.equal(port.posted, 1, 'nothing more was posted to the failed worker');
    assert.equal(runner.where, 'fallback');
    runner.close();

    // A request the port cannot post (a structured clone refused it) runs here; the worker stays for the others.
    const picky = channelPort();
    const refusing = workerMls({ ...picky, post: () => { throw new DOMException('could not be cloned', 'DataCloneError'); } });
    assert.equal(epochOf((await refusing.commit(alice, {})).state), 1);
    assert.equal(refusing.where, 'worker');
    refusing.close();

    const closing = workerMls(channelPort({ broken: true }));
    const inFlight = closing.commit(alice, {}).catch((err: unknown) => err);
    closing.close();
    assert.ok(isConclaveError(await inFlight, 'CONCLAVE_ERR_CLOSED'));
    assert.ok(isConclaveError(await closing.groupInfo(alice).catch((err: unknown) => err), 'CONCLAVE_ERR_CLOSED'));
  });
});
