import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCommit, createProposal, type ClientState, type LeafNode } from 'ts-mls';
import { signLeafNodeCommit, type LeafNodeTBSCommit } from 'ts-mls/leafNode.js';
import { ConclaveError } from '../src/errors.js';
import { credentialFor, type LeafOwner } from '../src/mls/identity.js';
import {
  commitChanges,
  createGroupState,
  encodeMessage,
  epochOf,
  joinFromWelcome,
  membersOf,
  processEntry,
} from '../src/mls/group.js';
import { cipherSuite } from '../src/mls/suite.js';
import { keyPackageOf, owner } from './helpers/mls.js';

/**
 * Issue 13, finding 11: an Update (proposal, or a Commit's UpdatePath leaf)
 * must keep its leaf's user and device. Three real ts-mls members: alice
 * (creator), mallory (the attacker) and bob (the victim); every client judges
 * with the shared `processEntry`, so web and terminal behave the same.
 */

const ALICE = owner('u-alice', 'd-alice-1');
const MALLORY = owner('u-mallory', 'd-mallory-1');
const BOB = owner('u-bob', 'd-bob-1');

/** The state with this device's own leaf relabelled as `as` (what a malicious client edits before committing). */
function withOwnCredential(state: ClientState, as: LeafOwner): ClientState {
  const tree = [...state.ratchetTree];
  const index = state.privatePath.leafIndex * 2;
  const node = tree[index];
  assert.ok(node?.nodeType === 'leaf');
  tree[index] = { ...node, leaf: { ...node.leaf, credential: credentialFor(as) } };
  return { ...state, ratchetTree: tree };
}

/** A Commit with no proposals: an UpdatePath that replaces the committer's leaf (a self-update). */
async function selfUpdateCommit(state: ClientState): Promise<{ state: ClientState; bytes: Uint8Array }> {
  const result = await createCommit({ state, cipherSuite: await cipherSuite() }, {});
  return { state: result.newState, bytes: encodeMessage(result.commit) };
}

/** An Update proposal (a PrivateMessage) whose new leaf names `as`, signed by the sender's own key. */
async function updateProposal(state: ClientState, as: LeafOwner): Promise<Uint8Array> {
  const cs = await cipherSuite();
  const own = state.ratchetTree[state.privatePath.leafIndex * 2];
  assert.ok(own?.nodeType === 'leaf');
  const hpke = await cs.hpke.generateKeyPair();
  // The Update TBS (RFC 9420 §7.2) has the same shape as the Commit one minus the parent hash; ts-mls signs either.
  const tbs = {
    leafNodeSource: 'update',
    hpkePublicKey: await cs.hpke.exportPublicKey(hpke.publicKey),
    signaturePublicKey: own.leaf.signaturePublicKey,
    credential: credentialFor(as),
    capabilities: own.leaf.capabilities,
    extensions: [],
    groupId: state.groupContext.groupId,
    leafIndex: state.privatePath.leafIndex,
  } as unknown as LeafNodeTBSCommit;
  const signed = await signLeafNodeCommit(tbs, state.signaturePrivateKey, cs.signature);
  const { groupId: _g, leafIndex: _l, ...leafNode } = signed as unknown as Record<string, unknown>;
  const { message } = await createProposal(state, false, { proposalType: 'update', update: { leafNode: leafNode as unknown as LeafNode & { leafNodeSource: 'update' } } }, cs);
  return encodeMessage(message);
}

async function rejected(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof ConclaveError && err.code === 'CONCLAVE_ERR_COMMIT_REJECTED');
}

describe('MLS policy: an Update keeps its user and device (issue 13, finding 11)', () => {
  let alice: ClientState;
  let mallory: ClientState;
  let bob: ClientState;

  before(async () => {
    const aliceKp = await keyPackageOf(ALICE);
    const malloryKp = await keyPackageOf(MALLORY);
    const bobKp = await keyPackageOf(BOB);
    alice = await createGroupState('c-policy-test', aliceKp);
    const added = await commitChanges(alice, { add: [malloryKp.publicPackage, bobKp.publicPackage] });
    alice = added.state;
    assert.ok(added.welcome);
    mallory = await joinFromWelcome(added.welcome, malloryKp);
    bob = await joinFromWelcome(added.welcome, bobKp);
    assert.equal(epochOf(alice), 1);
    assert.equal(epochOf(mallory), 1);
  });

  it('accepts a normal self-update Commit (same user and device) on every other member', async () => {
    const update = await selfUpdateCommit(mallory);
    for (const [name, state] of [['alice', alice], ['bob', bob]] as const) {
      const processed = await processEntry(state, update.bytes);
      assert.equal(processed.kind, 'commit', name);
      assert.ok(processed.kind === 'commit');
      assert.equal(epochOf(processed.state), 2, name);
      if (name === 'alice') alice = processed.state;
      else bob = processed.state;
    }
    mallory = update.state;
    assert.deepEqual(
      membersOf(alice).map((m) => `${m.userId}/${m.deviceId}`),
      ['u-alice/d-alice-1', 'u-mallory/d-mallory-1', 'u-bob/d-bob-1'],
    );
  });

  it("refuses a Commit whose UpdatePath leaf takes over bob's device, and does not advance the epoch", async () => {
    const forged = await selfUpdateCommit(withOwnCredential(mallory, BOB));
    const epoch = epochOf(alice);
    await rejected(processEntry(alice, forged.bytes));
    await rejected(processEntry(bob, forged.bytes));
    // The member's state is what it was (processEntry returned none), so the epoch is unchanged.
    assert.equal(epochOf(alice), epoch);
  });

  it('refuses a Commit whose UpdatePath leaf moves to another device of the same user', async () => {
    const forged = await selfUpdateCommit(withOwnCredential(mallory, owner('u-mallory', 'd-mallory-2')));
    await rejected(processEntry(alice, forged.bytes));
  });

  it("refuses an Update proposal whose leaf names bob's device", async () => {
    await rejected(processEntry(alice, await updateProposal(mallory, BOB)));
    await rejected(processEntry(bob, await updateProposal(mallory, owner('u-bob', 'd-mallory-1'))));
  });

  it('accepts an Update proposal that keeps the same user and device', async () => {
    const processed = await processEntry(alice, await updateProposal(mallory, MALLORY));
    assert.notEqual(processed.kind, 'application');
  });

  it('still accepts a self-update after the refusals (the group is not stuck)', async () => {
    const update = await selfUpdateCommit(mallory);
    const processed = await processEntry(bob, update.bytes);
    assert.ok(processed.kind === 'commit');
    assert.equal(epochOf(processed.state), epochOf(bob) + 1);
  });
});
