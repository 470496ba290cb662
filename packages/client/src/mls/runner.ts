import { CLIENT_ERRORS, ConclaveError, isConclaveError, type ConclaveErrorCode } from '../errors.js';
import { ERRORS } from '@conclave/protocol';
import {
  commitChanges,
  fromPortable,
  groupInfoOf,
  joinExternally,
  joinFromWelcome,
  processEntry,
  type KeyPackageWithKeys,
  type Member,
  type PortableState,
  type Processed,
  toPortable,
} from './group.js';
import { decodeKeyPackage, encodeKeyPackage } from './keypackages.js';
import type { ClientState, KeyPackage } from './ts-mls.js';

/** A Commit made on a state: the new epoch's state, the Commit, the Welcome (when devices were added) and the new GroupInfo. */
export interface CommitMade {
  state: ClientState;
  commit: Uint8Array;
  welcome: Uint8Array | undefined;
  /** The new epoch's GroupInfo as an MLSMessage (RFC 9420 §12.4.3), for the Delivery Service. */
  groupInfo: Uint8Array;
}

/**
 * The MLS operations whose cost grows with the group (RFC 9420 §12.4: a
 * Commit, an external or Welcome join, processing a Commit, a GroupInfo with
 * its ratchet tree): about a second each at 1 000 members. The group engine
 * runs them through a runner, so a client can run them off its UI thread —
 * `inProcessMls` here, or a worker (`workerMls`: a `worker_threads` Worker in
 * the terminal client, a Web Worker in the browser) behind the same interface.
 * Application messages are encrypted and decrypted in the engine's own thread
 * (milliseconds, and they advance the live state).
 *
 * Each takes and returns states; errors are `ConclaveError`s as the
 * functions of `group.ts` throw them.
 */
export interface MlsRunner {
  /** `commitChanges` and `groupInfoOf` of the new state. */
  commit(state: ClientState, changes: { add?: KeyPackage[]; remove?: number[] }): Promise<CommitMade>;
  /** `joinExternally` and `groupInfoOf` of the new state. */
  joinExternal(groupInfo: Uint8Array, own: KeyPackageWithKeys, resync: boolean): Promise<{ state: ClientState; commit: Uint8Array; groupInfo: Uint8Array }>;
  /** `joinFromWelcome`. */
  joinWelcome(welcome: Uint8Array, own: KeyPackageWithKeys): Promise<ClientState>;
  /** `processEntry` of a log entry the server marked as a Commit. */
  processCommit(state: ClientState, entry: Uint8Array): Promise<Processed>;
  /** `groupInfoOf`. */
  groupInfo(state: ClientState): Promise<Uint8Array>;
  /** Ends the worker, if any (pending and later calls reject with `CONCLAVE_ERR_CLOSED`). */
  close(): void;
  /**
   * Where the operations run now: `here` (this thread, by design), `worker`,
   * or `fallback` (this thread, because the worker failed: shown in diagnostics).
   */
  readonly where: 'here' | 'worker' | 'fallback';
}

/** Runs every operation in this thread, on the states themselves. */
export const inProcessMls: MlsRunner = {
  async commit(state, changes) {
    const made = await commitChanges(state, changes);
    return { ...made, groupInfo: await groupInfoOf(made.state) };
  },
  async joinExternal(groupInfo, own, resync) {
    const joined = await joinExternally(groupInfo, own, resync);
    return { ...joined, groupInfo: await groupInfoOf(joined.state) };
  },
  joinWelcome: joinFromWelcome,
  processCommit: processEntry,
  groupInfo: groupInfoOf,
  close() {},
  where: 'here',
};

// ---------------------------------------------------------------- the worker protocol

/**
 * A call to a worker. States cross as `PortableState`s (a live state holds
 * the library's configuration, functions included, which a worker message
 * cannot carry; a structured clone of the rest costs a tenth of encoding and
 * decoding it) and KeyPackages as their MLSMessage encoding; the rest is
 * structured-cloneable (Uint8Arrays, bigints, plain objects).
 */
export type MlsWorkerRequest = { id: number } & (
  | { op: 'commit'; state: PortableState; add: Uint8Array[]; remove: number[] }
  | { op: 'joinExternal'; groupInfo: Uint8Array; own: KeyPackageWithKeys; resync: boolean }
  | { op: 'joinWelcome'; welcome: Uint8Array; own: KeyPackageWithKeys }
  | { op: 'processCommit'; state: PortableState; entry: Uint8Array }
  | { op: 'groupInfo'; state: PortableState }
);

/** A processed Commit with its state portable (`MlsWorkerRequest`). */
type ProcessedWire =
  | { kind: 'application'; state: PortableState; plaintext: Uint8Array; sender: Member }
  | { kind: 'commit'; state: PortableState; committer: Member | undefined; added: Member[]; removed: Member[] }
  | { kind: 'own'; contentType: 'application' | 'commit'; epoch: bigint };

/** A worker's answer to the request with the same `id`: a result, or the error it threw (code and message). */
export type MlsWorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ConclaveErrorCode | undefined; message: string } };

/**
 * Serves one request inside a worker (or anywhere): decodes it, runs it with
 * `inProcessMls`, encodes the result. Never throws: a failure is the reply.
 */
export async function serveMlsRequest(request: MlsWorkerRequest): Promise<MlsWorkerReply> {
  try {
    return { id: request.id, ok: true, result: await run(request) };
  } catch (err) {
    const code = isConclaveError(err) ? err.code : undefined;
    return { id: request.id, ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
  }
}

async function run(request: MlsWorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'commit': {
      const add = request.add.map((bytes) => decodeKeyPackage(bytes)).filter((kp): kp is KeyPackage => kp !== undefined);
      const made = await inProcessMls.commit(fromPortable(request.state), { add, remove: request.remove });
      return { ...made, state: toPortable(made.state) };
    }
    case 'joinExternal': {
      const joined = await inProcessMls.joinExternal(request.groupInfo, request.own, request.resync);
      return { ...joined, state: toPortable(joined.state) };
    }
    case 'joinWelcome':
      return toPortable(await inProcessMls.joinWelcome(request.welcome, request.own));
    case 'processCommit': {
      const processed = await inProcessMls.processCommit(fromPortable(request.state), request.entry);
      return processed.kind === 'own' ? processed : ({ ...processed, state: toPortable(processed.state) } satisfies ProcessedWire);
    }
    case 'groupInfo':
      return inProcessMls.groupInfo(fromPortable(request.state));
  }
}

/** What the main thread needs of a worker: post a request; be told of every reply; end it. */
export interface MlsWorkerPort {
  post(request: MlsWorkerRequest): void;
  /** Registers the one listener of replies. */
  onReply(listener: (reply: MlsWorkerReply) => void): void;
  /** Registers the listener of the worker's failure (it died or could not start). */
  onFailure(listener: (error: unknown) => void): void;
  terminate(): void;
}

type Pending = { resolve(wire: unknown): void; reject(error: unknown): void; fallback(): void };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

const knownCode = (code: string | undefined): code is ConclaveErrorCode => code !== undefined && (code in CLIENT_ERRORS || code in ERRORS);

/**
 * A runner that sends each operation to a worker (`port`), which answers with
 * `serveMlsRequest`. The worker works on copies: the state crosses as a
 * structured clone each way (about 15 ms in all at 1 000 members, in this
 * thread, against about a second for the operation itself). When the worker
 * fails (it could not start, or died), the calls pending and every later one
 * run in this thread instead (`inProcessMls`): slower for the UI, but nothing
 * is lost.
 */
export function workerMls(port: MlsWorkerPort): MlsRunner {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let mode: 'worker' | 'failed' | 'closed' = 'worker';
  port.onReply((reply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new ConclaveError(knownCode(reply.error.code) ? reply.error.code : 'CONCLAVE_ERR_UNDECRYPTABLE', reply.error.message));
  });
  port.onFailure(() => {
    if (mode !== 'worker') return;
    mode = 'failed';
    for (const p of pending.values()) p.fallback();
    pending.clear();
  });
  /**
   * Posts `request`; its reply `W` becomes the result through `revive`.
   * `inProcess` computes the same result here should the worker fail.
   */
  const call = <W, T>(request: WithoutId<MlsWorkerRequest>, revive: (wire: W) => T, inProcess: () => Promise<T>): Promise<T> => {
    if (mode === 'closed') return Promise.reject(new ConclaveError('CONCLAVE_ERR_CLOSED', 'The MLS worker was closed.'));
    if (mode === 'failed') return inProcess();
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, {
        resolve: (wire) => {
          try {
            resolve(revive(wire as W));
          } catch (err) {
            reject(isConclaveError(err) ? err : new ConclaveError('CONCLAVE_ERR_LOCAL_STATE', undefined, { cause: err }));
          }
        },
        reject,
        fallback: () => void inProcess().then(resolve, reject),
      });
      try {
        port.post({ ...request, id });
      } catch {
        // Not postable (a value a structured clone refuses): this call runs here; the worker stays for others.
        pending.delete(id);
        inProcess().then(resolve, reject);
      }
    });
  };
  return {
    commit(state, changes) {
      return call(
        { op: 'commit', state: toPortable(state), add: (changes.add ?? []).map((kp) => encodeKeyPackage(kp)), remove: changes.remove ?? [] },
        (made: Omit<CommitMade, 'state'> & { state: PortableState }): CommitMade => ({ ...made, state: fromPortable(made.state) }),
        () => inProcessMls.commit(state, changes),
      );
    },
    joinExternal(groupInfo, own, resync) {
      return call(
        { op: 'joinExternal', groupInfo, own, resync },
        (joined: { state: PortableState; commit: Uint8Array; groupInfo: Uint8Array }) => ({ ...joined, state: fromPortable(joined.state) }),
        () => inProcessMls.joinExternal(groupInfo, own, resync),
      );
    },
    joinWelcome(welcome, own) {
      return call({ op: 'joinWelcome', welcome, own }, fromPortable, () => inProcessMls.joinWelcome(welcome, own));
    },
    processCommit(state, entry) {
      return call(
        { op: 'processCommit', state: toPortable(state), entry },
        (processed: ProcessedWire): Processed => (processed.kind === 'own' ? processed : { ...processed, state: fromPortable(processed.state) }),
        () => inProcessMls.processCommit(state, entry),
      );
    },
    groupInfo(state) {
      return call({ op: 'groupInfo', state: toPortable(state) }, (groupInfo: Uint8Array) => groupInfo, () => inProcessMls.groupInfo(state));
    },
    get where() {
      return mode === 'failed' ? 'fallback' : 'worker';
    },
    close() {
      if (mode === 'closed') return;
      mode = 'closed';
      const closed = new ConclaveError('CONCLAVE_ERR_CLOSED', 'The MLS worker was closed.');
      for (const p of pending.values()) p.reject(closed);
      pending.clear();
      port.terminate();
    },
  };
}
