import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUser } from '@conclave/server';
import { asConversationId } from '@conclave/protocol';
import { PASSWORD } from '../../server/test/helpers.js';
import { externalPubOf, MlsDevice } from '../../server/test/mls-fixture.js';
import { makeClient, startTestServer, waitFor } from './helpers/harness.js';

/**
 * Issue 14, through the real client core: a room whose stored GroupInfo has
 * `external_pub` in ts-mls 1.6.4's bare-key form (made by an old client, here
 * the server tests' raw MLS device) is joined by a current client, which
 * reads both forms; and when the server asks for a fresh GroupInfo at sync,
 * the client answers with one in the RFC 9420 §12.4.3.2 form.
 */
test('a current client joins a room whose GroupInfo is in the old form, and replaces it when the server asks', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'olga', password: PASSWORD });
  const olga = await MlsDevice.login({ wsUrl: env.server.wsUrl }, 'olga');
  t.after(() => olga.close());
  await olga.sync();
  const general = olga.conversationId('#general');
  assert.equal((await olga.createGroup(general, { preRfc: true })).type, 'committed');

  const storedKey = async (): Promise<Uint8Array> => {
    const info = await olga.client.request({ type: 'group_info', conversationId: general });
    assert.ok(info.type === 'group_info' && info.group);
    return externalPubOf(info.group.groupInfo);
  };
  assert.equal((await storedKey()).length, 32, 'the old form is stored');

  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect({ kind: 'login', username: 'bob', password: 'bob-password-12' });
  t.after(() => bob.client.close());
  await bob.client.sendText(asConversationId(general), 'joined through an old-form GroupInfo');
  const read = await olga.waitRead(general, 1);
  assert.deepEqual(
    read.map((m) => [m.username, (JSON.parse(m.text) as { text: string }).text]), // the raw device reads the content envelope
    [['bob', 'joined through an old-form GroupInfo']],
  );

  // The old client commits again with an old-form GroupInfo; bob's client applies the Commit.
  const commit = await olga.commit(general, {}, { preRfc: true });
  assert.ok(commit.type === 'committed');
  await bob.client.settled();
  assert.equal((await storedKey()).length, 32);

  // Bob comes back (same device): the server asks at sync, the client answers in the RFC form.
  await bob.client.close();
  const again = makeClient(env.server.wsUrl, { store: bob.store });
  t.after(() => again.client.close());
  await again.client.connect({ kind: 'login', username: 'bob', password: 'bob-password-12' });
  // connect() resolves once synced: the ask came before `synced`, and the engine has queued the answer.
  await again.client.settled();
  const key = await storedKey();
  assert.equal(key.length, 33, 'replaced by the RFC form');
  assert.equal(key[0], 0x20, 'opaque HPKEPublicKey<V>: the length 32 first');
});
