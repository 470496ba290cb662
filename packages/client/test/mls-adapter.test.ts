import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConclaveError } from '../src/errors.js';
import { generateSignatureKeyPair } from '../src/mls/identity.js';
import {
  commitChanges,
  createGroupState,
  decodeMessage,
  decodeState,
  encodeState,
  encryptMessage,
  epochOf,
  exporterSecret,
  groupInfoOf,
  joinExternally,
  joinFromWelcome,
  membersOf,
  processEntry,
} from '../src/mls/group.js';
import { cipherSuite } from '../src/mls/suite.js';
import { keyPackageOf, owner } from './helpers/mls.js';
import { decodeMlsBytes, generateKeyPackage as generateWithCredential, type ClientState } from '../src/mls/ts-mls.js';
import { preRfcGroupInfo } from '../../server/test/mls-fixture.js';

/**
 * What Conclave relies on from ts-mls, pinned through the one adapter
 * (src/mls/ts-mls.ts) and the group functions over it, so that a library
 * upgrade that changes any of it fails here first (issue 14).
 */

const ALICE = owner('u-alice', 'd-alice');
const BOB = owner('u-bob', 'd-bob');
const CAROL = owner('u-carol', 'd-carol');
const utf8 = (s: string) => new TextEncoder().encode(s);

function groupInfoExternalPub(bytes: Uint8Array): Uint8Array {
  const message = decodeMessage(bytes);
  assert.ok(message.wireformat === 'mls_group_info');
  const ext = message.groupInfo.extensions.find((e) => e.extensionType === 'external_pub');
  assert.ok(ext, 'external_pub present');
  return ext.extensionData;
}

async function sameSecrets(a: ClientState, b: ClientState): Promise<void> {
  assert.equal(epochOf(a), epochOf(b), 'same epoch');
  assert.deepEqual(await exporterSecret(a, 'exporter', new Uint8Array(), 32), await exporterSecret(b, 'exporter', new Uint8Array(), 32), 'same MLS-Exporter');
}

/** alice creates the group and adds bob and carol by Welcome. */
async function threeMembers(): Promise<{ alice: ClientState; bob: ClientState; carol: ClientState }> {
  const bobKp = await keyPackageOf(BOB);
  const carolKp = await keyPackageOf(CAROL);
  const created = await createGroupState('c-adapter', await keyPackageOf(ALICE));
  const added = await commitChanges(created, { add: [bobKp.publicPackage, carolKp.publicPackage] });
  assert.ok(added.welcome);
  return { alice: added.state, bob: await joinFromWelcome(added.welcome, bobKp), carol: await joinFromWelcome(added.welcome, carolKp) };
}

describe('the ts-mls adapter: behaviour Conclave relies on', () => {
  it('writes the GroupInfo external_pub in the RFC 9420 §12.4.3.2 form: opaque HPKEPublicKey<V> (0x20, then 32 bytes)', async () => {
    const state = await createGroupState('c-external-pub', await keyPackageOf(ALICE));
    const key = groupInfoExternalPub(await groupInfoOf(state));
    assert.equal(key.length, 33);
    assert.equal(key[0], 0x20);
  });

  it('joins externally from either form of external_pub, to the same epoch and exporter secret as the members', async () => {
    const { alice } = await threeMembers();
    for (const [form, groupInfo] of [
      ['RFC', await groupInfoOf(alice)],
      ['bare key (ts-mls 1.6.4)', new Uint8Array(Buffer.from(await preRfcGroupInfo(alice), 'base64'))],
    ] as const) {
      const joined = await joinExternally(groupInfo, await keyPackageOf(owner('u-dan', `d-dan-${form.length}`)), false);
      const processed = await processEntry(alice, joined.commit);
      assert.equal(processed.kind, 'commit', form);
      assert.ok(processed.kind === 'commit');
      await sameSecrets(processed.state, joined.state);
      assert.equal(processed.committer?.userId, 'u-dan', `${form}: an external joiner is the new leaf`);
      assert.equal(decodeMessage(joined.commit).wireformat, 'mls_public_message', 'external commits are PublicMessages (RFC 9420 §12.4.3.2)');
    }
  });

  it('sends member Commits as PrivateMessages unless asked for a PublicMessage (ARCHITECTURE decision)', async () => {
    const { alice, bob } = await threeMembers();
    const hidden = await commitChanges(alice, {});
    const message = decodeMessage(hidden.commit);
    assert.equal(message.wireformat, 'mls_private_message');
    assert.ok(message.wireformat === 'mls_private_message');
    assert.equal(message.privateMessage.contentType, 'commit');
    const open = await commitChanges(alice, {}, { publicMessage: true });
    assert.equal(decodeMessage(open.commit).wireformat, 'mls_public_message');
    const processed = await processEntry(bob, open.commit);
    assert.ok(processed.kind === 'commit');
    await sameSecrets(processed.state, open.state);
  });

  it("names a PrivateMessage Commit's committer by the leaf ts-mls authenticated (the commit callback's senderLeafIndex)", async () => {
    const { alice, bob, carol } = await threeMembers();
    const byCarol = await commitChanges(carol, { remove: [membersOf(carol).find((m) => m.userId === 'u-bob')!.leafIndex] });
    const atAlice = await processEntry(alice, byCarol.commit);
    assert.ok(atAlice.kind === 'commit');
    assert.equal(atAlice.committer?.userId, 'u-carol');
    assert.deepEqual(atAlice.removed.map((m) => m.userId), ['u-bob']);
    await sameSecrets(atAlice.state, byCarol.state);
    // The removed member processes its own removal and can no longer read the group.
    const atBob = await processEntry(bob, byCarol.commit);
    assert.ok(atBob.kind === 'commit');
    const after = await encryptMessage(atAlice.state, utf8('after the removal'));
    await assert.rejects(processEntry(atBob.state, after.message), (err: unknown) => err instanceof ConclaveError && err.code === 'CONCLAVE_ERR_UNDECRYPTABLE');
  });

  it('keeps no past epoch: a message of the epoch before a Commit is refused', async () => {
    const { alice, bob } = await threeMembers();
    const old = await encryptMessage(alice, utf8('in epoch 1'));
    const commit = await commitChanges(alice, {});
    assert.equal(commit.state.historicalReceiverData.size, 0, 'no receiver data kept for past epochs');
    const atBob = await processEntry(bob, commit.commit);
    assert.ok(atBob.kind === 'commit');
    assert.equal(atBob.state.historicalReceiverData.size, 0);
    await assert.rejects(processEntry(atBob.state, old.message), (err: unknown) => err instanceof ConclaveError && err.code === 'CONCLAVE_ERR_UNDECRYPTABLE');
  });

  it('attributes an application message to its MLS sender, and round-trips a stored state', async () => {
    const { alice, bob } = await threeMembers();
    const sent = await encryptMessage(bob, utf8('hello'));
    const restored = decodeState(encodeState(alice));
    await sameSecrets(restored, alice);
    const got = await processEntry(restored, sent.message);
    assert.ok(got.kind === 'application');
    assert.equal(got.sender.userId, 'u-bob');
    assert.equal(new TextDecoder().decode(got.plaintext), 'hello');
    const own = await processEntry(sent.state, sent.message);
    assert.equal(own.kind, 'own', 'the log echo of our own message is recognised, not decrypted');
  });

  it('refuses, by policy, a Commit adding a leaf whose credential is not a Conclave one', async () => {
    const { alice, bob } = await threeMembers();
    const foreign = await generateWithCredential({
      credential: { credentialType: 'basic', identity: utf8('mallory') },
      signatureKeys: await generateSignatureKeyPair(),
      cs: await cipherSuite(),
    });
    // A rogue client skips its own check (ours refuses to make this Commit at all).
    const rogue = { ...alice, clientConfig: { ...alice.clientConfig, authService: { validateCredential: async () => true } } };
    const commit = await commitChanges(rogue, { add: [foreign.publicPackage] });
    await assert.rejects(commitChanges(alice, { add: [foreign.publicPackage] }), /Could not validate credential/);
    // Refused inside ts-mls by our authentication service (policy.ts): a rejected change, not an undecryptable entry.
    await assert.rejects(processEntry(bob, commit.commit), (err: unknown) => {
      assert.ok(err instanceof ConclaveError && err.code === 'CONCLAVE_ERR_COMMIT_REJECTED');
      assert.match(String(err.cause), /Could not validate credential/);
      return true;
    });
  });

  it('decodes only whole MLSMessages', async () => {
    const state = await createGroupState('c-decode', await keyPackageOf(ALICE));
    const groupInfo = await groupInfoOf(state);
    assert.equal(decodeMlsBytes(groupInfo)?.length, groupInfo.length);
    assert.equal(decodeMlsBytes(utf8('not mls')), undefined);
    assert.throws(() => decodeMessage(new Uint8Array([...groupInfo, 0])), (err: unknown) => err instanceof ConclaveError && err.code === 'CONCLAVE_ERR_UNDECRYPTABLE');
  });
});
