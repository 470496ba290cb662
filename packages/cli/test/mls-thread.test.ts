import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { mls, serveMlsRequest, type MlsWorkerReply } from '@conclave/client';
import { threadMls } from '../src/mls-thread.js';
import { BIN } from './helpers/env.js';

/**
 * The terminal client's MLS worker thread: the client core's Commits and
 * joins run there (`ClientOptions.mls`, set by `makeClient`), off the
 * terminal's event loop.
 */

const owner = (user: string, device: string) => ({ userId: user, deviceId: device }) as mls.LeafOwner;
const keyPackageOf = async (user: string) => mls.generateKeyPackage(owner(user, `${user}-1`), await mls.generateSignatureKeyPair());

describe('MLS worker thread', () => {
  test('Commits and joins run on the worker thread and give states this thread uses', async () => {
    const runner = threadMls();
    try {
      const alice = await mls.createGroupState('conv-thread', await keyPackageOf('alice'));
      const bobKp = await keyPackageOf('bob');
      const made = await runner.commit(alice, { add: [bobKp.publicPackage] });
      assert.equal(runner.where, 'worker');
      const bob = await runner.joinWelcome(made.welcome!, bobKp);
      const sent = await mls.encryptMessage(made.state, mls.encodeText('from the main thread'));
      const read = await mls.processEntry(bob, sent.message);
      assert.ok(read.kind === 'application');
      assert.equal(mls.decodeText(read.plaintext), 'from the main thread');
      assert.equal(runner.where, 'worker', 'still on the worker');
    } finally {
      runner.close();
    }
  });

  test('a worker that cannot start leaves the work to this thread, and nothing is lost', async () => {
    const runner = threadMls({ file: new URL('data:text/javascript,throw new Error("no worker here")') });
    try {
      const alice = await mls.createGroupState('conv-no-thread', await keyPackageOf('alice'));
      const made = await runner.commit(alice, {});
      assert.equal(mls.epochOf(made.state), 1);
      assert.equal(runner.where, 'fallback');
    } finally {
      runner.close();
    }
  });

  test('the compiled program ships its worker (dist/mls-worker.js), which answers requests', async () => {
    const worker = new Worker(new URL('../dist/mls-worker.js', pathToFileURL(BIN)));
    try {
      const alice = await mls.createGroupState('conv-dist', await keyPackageOf('alice'));
      const request = { id: 7, op: 'groupInfo' as const, state: mls.toPortable(alice) };
      const reply = await new Promise<MlsWorkerReply>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage(request);
      });
      assert.ok(reply.ok, JSON.stringify(reply));
      // The same answer as in this thread (a GroupInfo is signed: compare what it describes, not the bytes).
      const here = await serveMlsRequest(request);
      assert.ok(here.ok);
      const describe = (r: MlsWorkerReply) => (r.ok ? mls.decodeMessage(r.result as Uint8Array).wireformat : r.error.code);
      assert.equal(describe(reply), describe(here));
    } finally {
      await worker.terminate();
    }
  });
});
