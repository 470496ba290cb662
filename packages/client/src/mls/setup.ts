import type { ClientStore } from '../store/store.js';
import type { DecodedContent } from '@conclave/protocol';
import type { Arrival } from '../content/effects.js';
import type { ChatState } from '../state/chat-state.js';
import type { ReplyOf, RequestInput, RequestType } from '@conclave/protocol';
import type { SecurityEvent } from '../types.js';
import { TrustStore } from '../trust/pins.js';
import { Verification } from '../verification.js';
import { GroupEngine } from './engine.js';
import type { SignatureKeyPair } from './identity.js';
import { LocalKeyPackages } from './keypackages.js';
import { Observer } from './observer.js';
import { inProcessMls, type MlsRunner } from './runner.js';

/** What the MLS side of a client is wired to: its store, the server, the view state, and the client's callbacks. */
export interface EngineWiring {
  store: ClientStore;
  request: <T extends RequestType>(input: RequestInput<T>) => Promise<ReplyOf<T>>;
  keys: SignatureKeyPair;
  state: ChatState;
  /** Current time, ms since the Unix epoch. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** A decrypted application message, in log order (awaited before the cursor is saved). */
  onContent: (arrival: Arrival, content: DecodedContent) => Promise<void>;
  /** A decrypted ephemeral message (typing). */
  onEphemeral: (arrival: Arrival, content: DecodedContent) => void;
  /** A key or device warning, or an entry that could not be applied. */
  onSecurity: (event: SecurityEvent) => void;
  /** The log skipped a seq: catch up. */
  onGap: () => void;
  /** Where Commits, joins and GroupInfos are computed (default `inProcessMls`). */
  mls?: MlsRunner | undefined;
}

/** The group engine with the trust observer and the verification it shares. */
export interface EngineParts {
  engine: GroupEngine;
  observer: Observer;
  verification: Verification;
  /** The contact pins (trust on first use, verified flags). */
  trust: TrustStore;
}

/**
 * Loads this device's pins, KeyPackages and group states and builds the group
 * engine (RFC 9420 groups per conversation) with its trust observer, once per
 * client: it survives reconnects. The owner of the leaf is the logged-in
 * user's device (`state.me`, `state.deviceId`, set by the handshake first).
 * @throws ConclaveError `CONCLAVE_ERR_LOCAL_STATE` when stored state is unreadable
 */
export async function startGroupEngine(w: EngineWiring): Promise<EngineParts> {
  const owner = () => {
    const me = w.state.me!;
    return { userId: me.userId, username: me.username, deviceId: w.state.deviceId! };
  };
  const trust = await TrustStore.load(w.store, w.now);
  const observer = new Observer({ trust, keys: w.keys, owner, request: w.request, emit: w.onSecurity, now: w.now });
  for (const c of w.state.snapshot().conversations) if (c.peer) observer.learnName(c.peer.userId, c.peer.username);
  const engine = new GroupEngine({
    store: w.store,
    request: w.request,
    owner,
    keys: w.keys,
    keyPackages: await LocalKeyPackages.load(w.store, w.keys),
    mls: w.mls ?? inProcessMls,
    trust,
    observer,
    conversation: (id) => w.state.conversation(id),
    onContent: w.onContent,
    onEphemeral: w.onEphemeral,
    onError: (error, conversationId) => {
      w.onSecurity({ conversationId, kind: error.code === 'CONCLAVE_ERR_COMMIT_REJECTED' ? 'rejected-commit' : 'undecryptable', text: error.message });
    },
    onGap: w.onGap,
    sleep: w.sleep,
    random: w.random,
  });
  await engine.load();
  return { engine, observer, trust, verification: new Verification(observer, w.state, w.request) };
}
