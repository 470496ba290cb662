/**
 * Interop of Conclave's MLS client core (`src/mls/group.ts`, ts-mls 1.6.4
 * patched) with an independent implementation: Wire's CoreCrypto 10.3.0,
 * which is OpenMLS compiled to WebAssembly. Both sides use cipher suite
 * 0x0001, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
 *
 * Every step runs in both directions (Conclave → CoreCrypto: a Conclave
 * device produces, CoreCrypto clients consume; CoreCrypto → Conclave: the
 * reverse): Welcome join, application messages, Update / Add / Remove
 * Commits, external join. After every step all members must be at the same
 * epoch and agree on MLS-Exporter("exporter", "", 32) (RFC 9420 §8.5), which
 * is derived from the whole key schedule: equal exporters mean equal epoch
 * secrets, hence equal group contexts and trees.
 *
 * Two departures from production, both forced by CoreCrypto:
 * 1. Credentials. CoreCrypto can only be a member whose BasicCredential
 *    identity is its qualified client id `<uuid>:<hex device>@<domain>`, and
 *    will only decrypt application messages from such members; Conclave's
 *    convention is `conclave:1:<user>:<device>`, and no byte string is both.
 *    So every member here, Conclave devices included, uses a qualified
 *    client id, and Conclave's src/mls modules read and write credentials
 *    through `installInteropCredentials` (helpers/corecrypto.ts). The rules
 *    of `policy.ts` (credential validation, allowed proposals, a leaf keeps
 *    its user and device) run unchanged on top of it; production keeps the
 *    strict `conclave:1:` convention. The first test pins both facts.
 * 2. Commits. CoreCrypto's groups use OpenMLS's pure-plaintext wire-format
 *    policy for handshake messages, so Conclave's Commits are sent here as
 *    PublicMessages (`commitChanges(…, { publicMessage: true })`); in
 *    production they are PrivateMessages.
 *
 * CoreCrypto is GPL-3.0: a root devDependency used by this test only, never
 * imported by src and never bundled.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultAuthenticationService } from 'ts-mls';
import { credentialFor as productionCredentialFor, parseCredential as productionParseCredential, type LeafOwner } from '../src/mls/identity.js';
import type { ClientState, KeyPackageWithKeys } from '../src/mls/ts-mls.js';
import type { Processed } from '../src/mls/group.js';
import {
  CoreCryptoClient,
  installInteropCredentials,
  interopIdentity,
  interopOwner,
  parseInteropCredential,
} from './helpers/corecrypto.js';

// Before the first import of a src/mls module that reads credentials (see the header, point 1).
installInteropCredentials();
const {
  commitChanges,
  createGroupState,
  encryptMessage,
  epochOf,
  exporterSecret,
  groupInfoOf,
  joinExternally,
  joinFromWelcome,
  membersOf,
  processEntry,
} = await import('../src/mls/group.js');
const { decodeKeyPackage, encodeKeyPackage, generateKeyPackage } = await import('../src/mls/keypackages.js');
const { generateSignatureKeyPair } = await import('../src/mls/identity.js');
const { clientConfig } = await import('../src/mls/policy.js');
const tsmls = await import('../src/mls/ts-mls.js');
const { cipherSuite } = await import('../src/mls/suite.js');

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Alice and Carol are Conclave devices; Bob and Dave CoreCrypto clients. */
const ALICE = interopOwner('a11ce000-0000-4000-8000-000000000001', 'a1');
const BOB = interopOwner('b0b00000-0000-4000-8000-000000000002', 'b2');
const CAROL = interopOwner('ca401000-0000-4000-8000-000000000003', 'c3');
const DAVE = interopOwner('da0e0000-0000-4000-8000-000000000004', 'd4');

/** One Conclave device: Conclave's MLS functions and one KeyPackage, used to create or join one group. */
class ConclaveDevice {
  private current: ClientState | undefined;

  private constructor(
    readonly owner: LeafOwner,
    private readonly own: KeyPackageWithKeys,
  ) {}

  static async create(owner: LeafOwner): Promise<ConclaveDevice> {
    return new ConclaveDevice(owner, await generateKeyPackage(owner, await generateSignatureKeyPair()));
  }

  get state(): ClientState {
    assert.ok(this.current !== undefined, `${this.owner.deviceId} is in no group`);
    return this.current;
  }

  /** This device's KeyPackage as the wire carries it (an MLSMessage). */
  keyPackage(): Uint8Array {
    return encodeKeyPackage(this.own.publicPackage);
  }

  async createGroup(conversationId: string): Promise<void> {
    this.current = await createGroupState(conversationId, this.own);
  }

  async joinFromWelcome(welcome: Uint8Array | undefined): Promise<void> {
    assert.ok(welcome !== undefined, 'the Commit came with no Welcome');
    this.current = await joinFromWelcome(welcome, this.own);
  }

  /** @returns the external Commit (a PublicMessage) for the other members. */
  async joinExternally(groupInfo: Uint8Array): Promise<Uint8Array> {
    const joined = await joinExternally(groupInfo, this.own, false);
    this.current = joined.state;
    return joined.commit;
  }

  /** Commits Adds (MLSMessage KeyPackages) and Removes (leaf indexes); as a PublicMessage for CoreCrypto (header, point 2). */
  async commit(changes: { add?: Uint8Array[]; remove?: number[] }): Promise<{ commit: Uint8Array; welcome: Uint8Array | undefined }> {
    const add = (changes.add ?? []).map((bytes) => {
      const kp = decodeKeyPackage(bytes);
      assert.ok(kp !== undefined, 'not a KeyPackage');
      return kp;
    });
    const result = await commitChanges(this.state, { add, remove: changes.remove ?? [] }, { publicMessage: true });
    this.current = result.state;
    return { commit: result.commit, welcome: result.welcome };
  }

  async encrypt(text: string): Promise<Uint8Array> {
    const { state, message } = await encryptMessage(this.state, encoder.encode(text));
    this.current = state;
    return message;
  }

  /** Processes a log entry with `processEntry` (Conclave's policy) and keeps the new state. */
  async receive(bytes: Uint8Array): Promise<Processed> {
    const processed = await processEntry(this.state, bytes);
    if (processed.kind !== 'own') this.current = processed.state;
    return processed;
  }

  /** The leaf index of `owner` in this device's view of the group. */
  leafOf(owner: LeafOwner): number {
    const member = membersOf(this.state).find((m) => m.userId === owner.userId && m.deviceId === owner.deviceId);
    assert.ok(member !== undefined, `${owner.deviceId} is not a member`);
    return member.leafIndex;
  }

  async epoch(): Promise<number> {
    return epochOf(this.state);
  }

  async exporter(): Promise<Uint8Array> {
    return exporterSecret(this.state, 'exporter', new Uint8Array(0), 32);
  }
}

type Member = ConclaveDevice | CoreCryptoClient;

/** Every member is at `epoch` and has the same MLS-Exporter("exporter", "", 32). */
async function assertInSync(epoch: number, ...members: Member[]): Promise<void> {
  for (const member of members) assert.equal(await member.epoch(), epoch, `epoch of ${member.owner.deviceId}`);
  const [first, ...rest] = await Promise.all(members.map((m) => m.exporter()));
  assert.ok(first !== undefined && first.length === 32);
  for (const [i, secret] of rest.entries()) {
    assert.deepEqual(secret, first, `exporter of ${members[i + 1]?.owner.deviceId} vs ${members[0]?.owner.deviceId}`);
  }
}

const ownerKey = (o: LeafOwner): string => `${o.userId}:${o.deviceId}`;

/** The owners a Conclave `Processed` commit reports as added or removed. */
function ownersOf(members: LeafOwner[]): string[] {
  return members.map(ownerKey).sort();
}

function expectCommit(processed: Processed): Extract<Processed, { kind: 'commit' }> {
  assert.equal(processed.kind, 'commit');
  return processed as Extract<Processed, { kind: 'commit' }>;
}

/** Alice (Conclave) creates a group and adds the CoreCrypto clients, who join from her Welcome: epoch 1. */
async function groupCreatedByConclave(conversationId: string, ...joiners: LeafOwner[]): Promise<{ alice: ConclaveDevice; cc: CoreCryptoClient[] }> {
  const alice = await ConclaveDevice.create(ALICE);
  await alice.createGroup(conversationId);
  const cc = await Promise.all(joiners.map((o) => CoreCryptoClient.create(o)));
  const { welcome } = await alice.commit({ add: await Promise.all(cc.map((c) => c.keyPackage())) });
  assert.ok(welcome !== undefined);
  for (const c of cc) await c.joinFromWelcome(welcome);
  await assertInSync(1, alice, ...cc);
  return { alice, cc };
}

/** Bob (CoreCrypto) creates a group and adds the Conclave devices, who join from his Welcome: epoch 1. */
async function groupCreatedByCoreCrypto(conversationId: string, ...joiners: LeafOwner[]): Promise<{ bob: CoreCryptoClient; devices: ConclaveDevice[] }> {
  const bob = await CoreCryptoClient.create(BOB);
  await bob.createConversation(encoder.encode(conversationId));
  const devices = await Promise.all(joiners.map((o) => ConclaveDevice.create(o)));
  const { welcome } = await bob.add(devices.map((d) => d.keyPackage()));
  for (const d of devices) await d.joinFromWelcome(welcome);
  await assertInSync(1, bob, ...devices);
  return { bob, devices };
}

function only<T>(items: T[]): T {
  assert.equal(items.length, 1);
  return items[0] as T;
}

function pair<T>(items: T[]): [T, T] {
  assert.equal(items.length, 2);
  return [items[0] as T, items[1] as T];
}

describe('MLS interop with CoreCrypto 10.3.0 (OpenMLS), cipher suite 0x0001', () => {
  test('credentials: production Conclave and CoreCrypto share no identity format, hence the interop convention', async () => {
    // A CoreCrypto member's identity is not a Conclave identity…
    assert.equal(productionParseCredential({ credentialType: 'basic', identity: interopIdentity(BOB) }), undefined);
    // …and CoreCrypto will not hand out a message from a `conclave:1:` member. That member is built with
    // the ts-mls adapter and a permissive authentication service, only to probe CoreCrypto.
    const bob = await CoreCryptoClient.create(BOB);
    await bob.createConversation(encoder.encode('probe'));
    const cs = await cipherSuite();
    const production = await tsmls.generateKeyPackage({
      credential: productionCredentialFor(ALICE),
      signatureKeys: await generateSignatureKeyPair(),
      cs,
    });
    const { welcome } = await bob.add([encodeKeyPackage(production.publicPackage)]);
    const joined = await joinFromWelcomeUnchecked(welcome, production);
    const { message } = await tsmls.encryptApplication({ state: joined, plaintext: encoder.encode('hi'), cs });
    await assert.rejects(bob.decrypt(tsmls.encodeMlsBytes(message)), /not of the format `<user-id:device-id@domain>`/);
    // In this process Conclave's src/mls modules speak the interop convention (installInteropCredentials).
    const alice = await ConclaveDevice.create(ALICE);
    const kp = decodeKeyPackage(alice.keyPackage());
    assert.ok(kp !== undefined);
    assert.deepEqual(kp.leafNode.credential, { credentialType: 'basic', identity: interopIdentity(ALICE) });
    assert.deepEqual(parseInteropCredential(kp.leafNode.credential), ALICE);
  });

  describe('1. Welcome join', () => {
    test('Conclave → CoreCrypto: a CoreCrypto client joins from the Welcome of a Conclave device', async () => {
      const alice = await ConclaveDevice.create(ALICE);
      await alice.createGroup('welcome-c2k');
      await assertInSync(0, alice);
      const bob = await CoreCryptoClient.create(BOB);
      const { welcome } = await alice.commit({ add: [await bob.keyPackage()] });
      assert.ok(welcome !== undefined);
      await bob.joinFromWelcome(welcome);
      await assertInSync(1, alice, bob);
      assert.deepEqual(membersOf(alice.state).map(ownerKey), [ALICE, BOB].map(ownerKey));
    });

    test('CoreCrypto → Conclave: a Conclave device joins from the Welcome of a CoreCrypto client', async () => {
      const bob = await CoreCryptoClient.create(BOB);
      await bob.createConversation(encoder.encode('welcome-k2c'));
      await assertInSync(0, bob);
      const alice = await ConclaveDevice.create(ALICE);
      const { welcome } = await bob.add([alice.keyPackage()]);
      await alice.joinFromWelcome(welcome);
      await assertInSync(1, alice, bob);
      assert.deepEqual(membersOf(alice.state).map(ownerKey), [BOB, ALICE].map(ownerKey));
    });
  });

  describe('2. Application messages', () => {
    test('Conclave → CoreCrypto: CoreCrypto decrypts what a Conclave device encrypts, and names the sender', async () => {
      const { alice, cc } = await groupCreatedByConclave('messages-c2k', BOB);
      const bob = only(cc);
      for (const text of ['first from Conclave', 'second from Conclave', '']) {
        const got = await bob.decrypt(await alice.encrypt(text));
        assert.ok(got.kind === 'application');
        assert.equal(decoder.decode(got.plaintext), text);
        assert.deepEqual(got.sender, interopIdentity(ALICE));
      }
      await assertInSync(1, alice, bob);
    });

    test('CoreCrypto → Conclave: processEntry decrypts what CoreCrypto encrypts, and names the sender', async () => {
      const { bob, devices } = await groupCreatedByCoreCrypto('messages-k2c', ALICE);
      const alice = only(devices);
      for (const text of ['first from CoreCrypto', 'second from CoreCrypto', '']) {
        const got = await alice.receive(await bob.encrypt(encoder.encode(text)));
        assert.ok(got.kind === 'application');
        assert.equal(decoder.decode(got.plaintext), text);
        assert.deepEqual({ userId: got.sender.userId, deviceId: got.sender.deviceId }, BOB);
        assert.equal(got.sender.leafIndex, 0);
      }
      await assertInSync(1, alice, bob);
    });
  });

  describe('3. Commits', () => {
    test('Update, Conclave → CoreCrypto: CoreCrypto applies a Conclave self-update (a Commit with no proposals)', async () => {
      const { alice, cc } = await groupCreatedByConclave('update-c2k', BOB);
      const bob = only(cc);
      const { commit, welcome } = await alice.commit({});
      assert.equal(welcome, undefined);
      assert.deepEqual(await bob.decrypt(commit), { kind: 'commit', active: true });
      await assertInSync(2, alice, bob);
    });

    test('Update, CoreCrypto → Conclave: processEntry applies a CoreCrypto self-update', async () => {
      const { bob, devices } = await groupCreatedByCoreCrypto('update-k2c', ALICE);
      const alice = only(devices);
      const { commit } = await bob.update();
      const applied = expectCommit(await alice.receive(commit));
      assert.deepEqual(applied.added, []);
      assert.deepEqual(applied.removed, []);
      await assertInSync(2, alice, bob);
    });

    test('Add, Conclave → CoreCrypto: CoreCrypto applies a Conclave Add; the added CoreCrypto client joins from its Welcome', async () => {
      const { alice, cc } = await groupCreatedByConclave('add-c2k', BOB);
      const bob = only(cc);
      const dave = await CoreCryptoClient.create(DAVE);
      const { commit, welcome } = await alice.commit({ add: [await dave.keyPackage()] });
      assert.deepEqual(await bob.decrypt(commit), { kind: 'commit', active: true });
      assert.ok(welcome !== undefined);
      await dave.joinFromWelcome(welcome);
      await assertInSync(2, alice, bob, dave);
    });

    test('Add, CoreCrypto → Conclave: processEntry applies a CoreCrypto Add; the added Conclave device joins from its Welcome', async () => {
      const { bob, devices } = await groupCreatedByCoreCrypto('add-k2c', ALICE);
      const alice = only(devices);
      const carol = await ConclaveDevice.create(CAROL);
      const { commit, welcome } = await bob.add([carol.keyPackage()]);
      const applied = expectCommit(await alice.receive(commit));
      assert.deepEqual(ownersOf(applied.added), ownersOf([CAROL]));
      await carol.joinFromWelcome(welcome);
      await assertInSync(2, alice, bob, carol);
    });

    test('Remove, Conclave → CoreCrypto: CoreCrypto applies a Conclave Remove; the removed client learns it is out', async () => {
      const { alice, cc } = await groupCreatedByConclave('remove-c2k', BOB, DAVE);
      const [bob, dave] = pair(cc);
      const { commit } = await alice.commit({ remove: [alice.leafOf(DAVE)] });
      assert.deepEqual(await bob.decrypt(commit), { kind: 'commit', active: true });
      assert.deepEqual(await dave.decrypt(commit), { kind: 'commit', active: false });
      await assertInSync(2, alice, bob);
      assert.deepEqual(membersOf(alice.state).map(ownerKey), [ALICE, BOB].map(ownerKey));
    });

    test('Remove, CoreCrypto → Conclave: processEntry applies a CoreCrypto Remove of a Conclave device', async () => {
      const { bob, devices } = await groupCreatedByCoreCrypto('remove-k2c', ALICE, CAROL);
      const [alice] = pair(devices); // and Carol, whom Bob removes
      const { commit } = await bob.remove([CAROL]);
      const applied = expectCommit(await alice.receive(commit));
      assert.deepEqual(ownersOf(applied.removed), ownersOf([CAROL]));
      await assertInSync(2, alice, bob);
      assert.deepEqual(membersOf(alice.state).map(ownerKey), [BOB, ALICE].map(ownerKey));
    });
  });

  describe('4. External join', () => {
    test("Conclave → CoreCrypto: a Conclave device joins by external commit from CoreCrypto's GroupInfo", async () => {
      const bob = await CoreCryptoClient.create(BOB);
      await bob.createConversation(encoder.encode('external-c2k'));
      const { groupInfo } = await bob.update(); // CoreCrypto hands out a GroupInfo with each Commit
      await assertInSync(1, bob);
      const carol = await ConclaveDevice.create(CAROL);
      const commit = await carol.joinExternally(groupInfo);
      assert.deepEqual(await bob.decrypt(commit), { kind: 'commit', active: true });
      await assertInSync(2, bob, carol);
      assert.deepEqual(membersOf(carol.state).map(ownerKey), [BOB, CAROL].map(ownerKey));
    });

    test("CoreCrypto → Conclave: a CoreCrypto client joins by external commit from Conclave's GroupInfo", async () => {
      const alice = await ConclaveDevice.create(ALICE);
      await alice.createGroup('external-k2c');
      const dave = await CoreCryptoClient.create(DAVE);
      const { commit } = await dave.joinExternally(await groupInfoOf(alice.state));
      const applied = expectCommit(await alice.receive(commit));
      assert.deepEqual(ownersOf(applied.added), ownersOf([DAVE]));
      await assertInSync(1, alice, dave);
    });
  });
});

/** Joins from a Welcome without Conclave's policy (the probe member of the first test only). */
async function joinFromWelcomeUnchecked(welcome: Uint8Array | undefined, own: KeyPackageWithKeys): Promise<ClientState> {
  assert.ok(welcome !== undefined);
  const decoded = tsmls.decodeMlsBytes(welcome);
  assert.ok(decoded?.message.wireformat === 'mls_welcome');
  return tsmls.joinWelcome({
    welcome: decoded.message,
    own,
    config: { ...clientConfig, authService: defaultAuthenticationService },
    cs: await cipherSuite(),
  });
}
