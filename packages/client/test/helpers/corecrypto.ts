/**
 * Wire's CoreCrypto 10.3.0 (`@wireapp/core-crypto`: OpenMLS compiled to
 * WebAssembly) as an independent MLS implementation for the interop test of
 * Conclave's client core (`mls-interop-corecrypto.test.ts`), plus the
 * credential convention both sides use in that test.
 *
 * Licence: CoreCrypto is GPL-3.0. It is a root devDependency loaded only by
 * this test helper; nothing under `packages/*\/src` imports it and no build
 * bundles it.
 *
 * Loading under plain Node 20: the package's `native` build needs
 * `@ubjs/node`, which is not installed, so the `browser` build is used. Its
 * `initWasmModule(path)` throws unless `window` is defined and loads the
 * .wasm with `fetch(path)`, which Node 20 cannot do for `file:` URLs. For
 * the duration of that one call `loadCoreCrypto` sets `globalThis.window =
 * globalThis` and a `fetch` that answers the package's own .wasm URL from
 * disk, then restores both. Key stores are `Database.inMemory()`: nothing is
 * written to disk, nothing goes to the network.
 */
import { readFile } from 'node:fs/promises';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import { asDeviceId, asUserId } from '@conclave/protocol';
import type * as CoreCryptoModule from '@wireapp/core-crypto/browser';
import type { LeafOwner } from '../../src/mls/identity.js';
import type { Credential } from '../../src/mls/ts-mls.js';

type CC = typeof CoreCryptoModule;

// ---------------------------------------------------------------- the test's credential convention

/** The domain part of every qualified client id in the interop test. */
export const INTEROP_DOMAIN = 'conclave.test';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** A device id as CoreCrypto prints it: lower-case hex of a u64, no leading zeros. */
const DEVICE = '(?:0|[1-9a-f][0-9a-f]{0,15})';
const QUALIFIED = new RegExp(`^(${UUID}):(${DEVICE})@${INTEROP_DOMAIN.replace('.', '\\.')}$`);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A device of the interop test: `userId` a lower-case hyphenated UUID,
 * `deviceId` CoreCrypto's hex form of a u64 (e.g. `a1`).
 * @throws Error when either does not have that form.
 */
export function interopOwner(userId: string, deviceId: string): LeafOwner {
  if (!QUALIFIED.test(`${userId}:${deviceId}@${INTEROP_DOMAIN}`)) throw new Error(`not an interop owner: ${userId} / ${deviceId}`);
  return { userId: asUserId(userId), deviceId: asDeviceId(deviceId) };
}

/** The BasicCredential identity of `owner`: CoreCrypto's qualified client id `<uuid>:<hex device>@conclave.test`. */
export function interopIdentity(owner: LeafOwner): Uint8Array {
  return encoder.encode(`${owner.userId}:${owner.deviceId}@${INTEROP_DOMAIN}`);
}

/** `credentialFor` of the interop convention (replaces `identity.ts`'s for src/mls: `installInteropCredentials`). */
export function interopCredentialFor(owner: LeafOwner): Credential {
  return { credentialType: 'basic', identity: interopIdentity(interopOwner(owner.userId, owner.deviceId)) };
}

/** `parseCredential` of the interop convention: the owner a qualified client id names, or undefined (never throws). */
export function parseInteropCredential(credential: Credential): LeafOwner | undefined {
  if (credential.credentialType !== 'basic') return undefined;
  let text: string;
  try {
    text = decoder.decode(credential.identity);
  } catch {
    return undefined;
  }
  const match = QUALIFIED.exec(text);
  return match?.[1] !== undefined && match[2] !== undefined ? interopOwner(match[1], match[2]) : undefined;
}

let installed = false;

/**
 * Makes Conclave's MLS modules (`packages/client/src/mls/*`) use the interop
 * credential convention in this process: their `./identity.js` resolves to a
 * module re-exporting the real `identity.ts` with `credentialFor` and
 * `parseCredential` replaced by `interopCredentialFor` and
 * `parseInteropCredential`. Every rule of `policy.ts` and all of `group.ts`
 * and `keypackages.ts` run unchanged on top of it; production code keeps the
 * `conclave:1:` convention.
 *
 * Why this is needed: CoreCrypto 10.3.0 can make a BasicCredential only from
 * a `ClientId`, which has one constructor, `new(uuid, deviceId, domain)`, so
 * its identity is always `<uuid>:<hex>@<domain>`; and its `decryptMessage`
 * refuses (`InvalidQualifiedClientId`) to hand out an application message
 * whose sender's identity is not of that form. No byte string is both that
 * and a Conclave identity (`conclave:1:<user>:<device>`): a CoreCrypto
 * member can never pass the production `parseCredential`, and a Conclave
 * device can never send CoreCrypto a message it accepts.
 *
 * Must run before anything imports a src/mls module that imports
 * `./identity.js` (group, policy, keypackages…): import those dynamically
 * after it. Idempotent.
 */
export function installInteropCredentials(): void {
  if (installed) return;
  installed = true;
  const mlsDir = new URL('../../src/mls/', import.meta.url).href;
  const shim = dataModule(
    `export * from ${JSON.stringify(new URL('identity.ts', mlsDir).href)};\n` +
      `export { interopCredentialFor as credentialFor, parseInteropCredential as parseCredential } from ${JSON.stringify(import.meta.url)};\n`,
  );
  const redirect = (specifier: string, parentURL: string | undefined): string | undefined =>
    specifier === './identity.js' && parentURL?.startsWith(mlsDir) ? shim : undefined;
  // Node 22.15+ and 24 have in-thread hooks, which run before the loader thread's (tsx uses them
  // when present, so a `register` hook would come too late there); Node 20 has only `register`.
  const { registerHooks } = nodeModule as unknown as {
    registerHooks?: (hooks: {
      resolve: (specifier: string, context: { parentURL?: string }, next: (s: string, c: unknown) => unknown) => unknown;
    }) => unknown;
  };
  if (registerHooks !== undefined) {
    registerHooks({
      resolve: (specifier, context, next) => {
        const url = redirect(specifier, context.parentURL);
        return url === undefined ? next(specifier, context) : { url, shortCircuit: true };
      },
    });
    return;
  }
  const hooks = dataModule(
    'let mlsDir, shim;\n' +
      'export async function initialize(data) { ({ mlsDir, shim } = data); }\n' +
      'export async function resolve(specifier, context, next) {\n' +
      "  if (specifier === './identity.js' && context.parentURL?.startsWith(mlsDir)) return { url: shim, shortCircuit: true };\n" +
      '  return next(specifier, context);\n' +
      '}\n',
  );
  nodeModule.register(hooks, { data: { mlsDir, shim } });
}

function dataModule(source: string): string {
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

// ---------------------------------------------------------------- loading CoreCrypto

let loading: Promise<CC> | undefined;

/** The CoreCrypto module with its WebAssembly initialised (once per process). */
export function loadCoreCrypto(): Promise<CC> {
  loading ??= initialise();
  return loading;
}

async function initialise(): Promise<CC> {
  const moduleUrl = import.meta.resolve('@wireapp/core-crypto/browser');
  const wasmUrl = new URL('autogenerated/wasm-bindgen/index_bg.wasm', moduleUrl).href;
  const wasm = await readFile(fileURLToPath(wasmUrl));
  const cc = await import('@wireapp/core-crypto/browser');
  const global = globalThis as { window?: unknown };
  const hadWindow = 'window' in global;
  const realFetch = globalThis.fetch;
  global.window = globalThis;
  globalThis.fetch = async (input, init) =>
    String(input) === wasmUrl ? new Response(wasm, { headers: { 'content-type': 'application/wasm' } }) : realFetch(input, init);
  try {
    await cc.initWasmModule(wasmUrl);
  } finally {
    globalThis.fetch = realFetch;
    if (!hadWindow) delete global.window;
  }
  return cc;
}

// ---------------------------------------------------------------- wire framing

/** MLSMessage header (RFC 9420 §6): version mls10 = 1, then the wire format (§17.2). */
const MLS10 = [0x00, 0x01];
const KEY_PACKAGE = 0x05;
const GROUP_INFO = 0x04;

/** A bare KeyPackage (what CoreCrypto serialises) as an MLSMessage (what Conclave's wire carries). */
function asKeyPackageMessage(keyPackage: Uint8Array): Uint8Array {
  return Uint8Array.from([...MLS10, 0x00, KEY_PACKAGE, ...keyPackage]);
}

/**
 * The bare structure inside an MLSMessage of wire format `wireFormat`
 * (CoreCrypto's `KeyPackage` and `GroupInfo` constructors take bare ones,
 * although the GroupInfo it hands out in a commit bundle is an MLSMessage).
 * @throws Error when `message` is not an mls10 MLSMessage of that wire format.
 */
function unframe(message: Uint8Array, wireFormat: number): Uint8Array {
  const header = [...MLS10, 0x00, wireFormat];
  if (!header.every((b, i) => message[i] === b)) throw new Error(`not an MLSMessage of wire format ${wireFormat}`);
  return message.subarray(header.length);
}

// ---------------------------------------------------------------- one CoreCrypto client

/** What a CoreCrypto Commit produced, as MLSMessage bytes (RFC 9420 §6). */
export interface CommitOutput {
  commit: Uint8Array;
  welcome: Uint8Array | undefined;
  groupInfo: Uint8Array;
}

/** What `decrypt` got: an application message (`sender`: the sender's credential identity), a Commit (`active`: still a member) or a proposal. */
export type Decrypted =
  | { kind: 'application'; plaintext: Uint8Array; sender: Uint8Array }
  | { kind: 'commit'; active: boolean }
  | { kind: 'proposal' };

/**
 * One CoreCrypto client (its own in-memory key store) in at most one
 * conversation, with a Delivery Service stand-in that accepts every Commit
 * bundle and keeps it, so the test can hand it to the other members.
 * Every failure is rethrown as an Error naming the operation and
 * CoreCrypto's error chain.
 */
export class CoreCryptoClient {
  private conversation: CoreCryptoModule.ConversationId | undefined;

  private constructor(
    private readonly cc: CC,
    private readonly core: CoreCryptoModule.CoreCrypto,
    private readonly credential: CoreCryptoModule.CredentialRef,
    /** Every commit bundle CoreCrypto sent through the transport, oldest first. */
    private readonly sent: CoreCryptoModule.CommitBundle[],
    readonly owner: LeafOwner,
  ) {}

  /** A fresh client for `owner` (an `interopOwner`) with a BasicCredential for cipher suite 0x0001. */
  static async create(owner: LeafOwner): Promise<CoreCryptoClient> {
    const cc = await loadCoreCrypto();
    const core = cc.CoreCrypto.new(await cc.Database.inMemory());
    const sent: CoreCryptoModule.CommitBundle[] = [];
    const transport: CoreCryptoModule.MlsTransport = {
      sendCommitBundle: async (bundle) => {
        sent.push(bundle);
      },
      prepareForTransport: async () => new Uint8Array(),
    };
    const clientId = clientIdOf(cc, owner);
    const credential = await attempt('mlsInit', () =>
      core.transaction(async (ctx) => {
        await ctx.mlsInit(clientId, transport);
        return ctx.addCredential(cc.Credential.basic(cc.CipherSuite.Mls128Dhkemx25519Aes128gcmSha256Ed25519, clientId));
      }),
    );
    return new CoreCryptoClient(cc, core, credential, sent, owner);
  }

  /** A new KeyPackage of this client as an MLSMessage. */
  async keyPackage(): Promise<Uint8Array> {
    const kp = await attempt('generateKeyPackage', () => this.core.transaction((ctx) => ctx.generateKeyPackage(this.credential)));
    return asKeyPackageMessage(kp.serialize());
  }

  /** Creates a one-member group with id `groupId` (epoch 0). */
  async createConversation(groupId: Uint8Array): Promise<void> {
    const id = new this.cc.ConversationId(groupId);
    await attempt('createConversation', () => this.core.transaction((ctx) => ctx.createConversation(id, this.credential)));
    this.conversation = id;
  }

  /** Joins from a Welcome (MLSMessage bytes) made for one of this client's KeyPackages. */
  async joinFromWelcome(welcome: Uint8Array): Promise<void> {
    this.conversation = await attempt('processWelcomeMessage', () =>
      this.core.transaction((ctx) => ctx.processWelcomeMessage(new this.cc.Welcome(welcome))),
    );
  }

  /** Joins by external commit (RFC 9420 §12.4.3.2) against a GroupInfo (MLSMessage bytes). */
  async joinExternally(groupInfo: Uint8Array): Promise<CommitOutput> {
    return this.committing('joinByExternalCommit', async (ctx) => {
      this.conversation = await ctx.joinByExternalCommit(new this.cc.GroupInfo(unframe(groupInfo, GROUP_INFO)), this.credential);
    });
  }

  /** Commits Adds of `keyPackages` (MLSMessage bytes). */
  async add(keyPackages: Uint8Array[]): Promise<CommitOutput> {
    const id = this.conversationId();
    return this.committing('addClientsToConversation', (ctx) =>
      ctx.addClientsToConversation(id, keyPackages.map((kp) => new this.cc.KeyPackage(unframe(kp, KEY_PACKAGE)))),
    );
  }

  /** Commits Removes of the members `owners` (CoreCrypto finds their leaves by client id). */
  async remove(owners: LeafOwner[]): Promise<CommitOutput> {
    const id = this.conversationId();
    return this.committing('removeClientsFromConversation', (ctx) =>
      ctx.removeClientsFromConversation(id, owners.map((o) => clientIdOf(this.cc, o))),
    );
  }

  /** Commits a self-update: no proposals, a new UpdatePath for this client's leaf. */
  async update(): Promise<CommitOutput> {
    const id = this.conversationId();
    return this.committing('updateKeyingMaterial', (ctx) => ctx.updateKeyingMaterial(id));
  }

  /** Encrypts an application message (a PrivateMessage, MLSMessage bytes). */
  async encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    const id = this.conversationId();
    return attempt('encryptMessage', () => this.core.transaction((ctx) => ctx.encryptMessage(id, plaintext)));
  }

  /** Processes a PrivateMessage or PublicMessage of the conversation. */
  async decrypt(message: Uint8Array): Promise<Decrypted> {
    const id = this.conversationId();
    const out = await attempt('decryptMessage', () => this.core.transaction((ctx) => ctx.decryptMessage(id, message)));
    if (this.cc.DecryptedMessage.Text.instanceOf(out)) {
      return { kind: 'application', plaintext: out.inner.plaintext, sender: out.inner.senderClientId.copyBytes() };
    }
    if (this.cc.DecryptedMessage.Commit.instanceOf(out)) return { kind: 'commit', active: out.inner.isActive };
    return { kind: 'proposal' };
  }

  /** The conversation's epoch. */
  async epoch(): Promise<number> {
    const id = this.conversationId();
    return Number(await attempt('conversationEpoch', () => this.core.transaction((ctx) => ctx.conversationEpoch(id))));
  }

  /** MLS-Exporter("exporter", "", 32) of the current epoch (RFC 9420 §8.5): CoreCrypto's `exportSecretKey` fixes that label and context. */
  async exporter(): Promise<Uint8Array> {
    const id = this.conversationId();
    const key = await attempt('exportSecretKey', () => this.core.transaction((ctx) => ctx.exportSecretKey(id, 32)));
    return key.copyBytes();
  }

  private conversationId(): CoreCryptoModule.ConversationId {
    if (this.conversation === undefined) throw new Error(`CoreCrypto client ${this.owner.deviceId} is in no conversation`);
    return this.conversation;
  }

  /** Runs a committing operation and returns the one bundle it sent. */
  private async committing(what: string, operation: (ctx: CoreCryptoModule.CoreCryptoContext) => Promise<void>): Promise<CommitOutput> {
    const before = this.sent.length;
    await attempt(what, () => this.core.transaction(operation));
    const bundle = this.sent[before];
    if (bundle === undefined || this.sent.length !== before + 1) throw new Error(`CoreCrypto ${what}: expected one commit bundle, got ${this.sent.length - before}`);
    return { commit: bundle.commit, welcome: bundle.welcome?.serialize(), groupInfo: bundle.groupInfo.payload };
  }
}

/** The ClientId (hence BasicCredential identity) of an interop owner: bytes equal to `interopIdentity(owner)`. */
function clientIdOf(cc: CC, owner: LeafOwner): CoreCryptoModule.ClientId {
  return new cc.ClientId(new cc.Uuid(owner.userId), new cc.DeviceId(BigInt(`0x${owner.deviceId}`)), INTEROP_DOMAIN);
}

/** Runs a CoreCrypto call, rethrowing its error with the chain of tags and messages CoreCrypto nests in `inner`. */
async function attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new Error(`CoreCrypto ${what}: ${describeError(err)}`, { cause: err });
  }
}

/**
 * CoreCrypto's errors nest: `{ message: 'CoreCryptoError.Mls', inner: { mlsError:
 * { message: 'MlsError.Other', inner: { msg } } } }`; this joins the messages, outermost first.
 */
function describeError(err: unknown): string {
  const parts: string[] = [];
  let node: unknown = err;
  for (let depth = 0; depth < 6 && typeof node === 'object' && node !== null; depth++) {
    const record = node as Record<string, unknown>;
    if (typeof record.msg === 'string') parts.push(record.msg);
    else if (typeof record.message === 'string' && !parts.includes(record.message)) parts.push(record.message);
    const inner = record.inner;
    node = typeof inner === 'object' && inner !== null && !('tag' in inner) && !('msg' in inner) ? Object.values(inner)[0] : inner;
  }
  return parts.length > 0 ? parts.join(' → ') : String(err);
}
