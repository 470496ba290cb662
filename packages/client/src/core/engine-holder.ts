import type { GroupEngine } from '../mls/engine.js';
import type { SignatureKeyPair } from '../mls/identity.js';
import type { Observer } from '../mls/observer.js';
import { startGroupEngine, type EngineParts, type EngineWiring } from '../mls/setup.js';
import type { ChatState } from '../state/chat-state.js';
import type { Verification } from '../verification.js';

/**
 * The client's MLS side (group engine, trust observer, verification), built
 * on the first handshake and kept across reconnects. It also keeps
 * `snapshot().verified` current: the users all of whose pinned devices are
 * verified, recomputed whenever the pins change (first contact, a new
 * device, a confirmed safety number) — from local pins only, no request.
 */
export class EngineHolder {
  private parts: EngineParts | null = null;

  constructor(private readonly wiring: Omit<EngineWiring, 'keys' | 'state'> & { state: ChatState }) {}

  /** The group engine (null before the first session). */
  get engine(): GroupEngine | null {
    return this.parts?.engine ?? null;
  }

  /** The trust observer (null before the first session). */
  get observer(): Observer | null {
    return this.parts?.observer ?? null;
  }

  /** Contact verification (null before the first session). */
  get verification(): Verification | null {
    return this.parts?.verification ?? null;
  }

  /**
   * Builds the engine once (later calls return it).
   * @throws ConclaveError `CONCLAVE_ERR_LOCAL_STATE` when stored state is unreadable.
   */
  async start(keys: SignatureKeyPair): Promise<GroupEngine> {
    if (this.parts !== null) return this.parts.engine;
    const parts = await startGroupEngine({ ...this.wiring, keys });
    this.parts = parts;
    const { trust } = parts;
    const state = this.wiring.state;
    const refreshVerified = (): void => {
      if (state.setVerified(trust.userIds().filter((u) => trust.isVerified(u)))) state.changed();
    };
    trust.onChange = refreshVerified;
    refreshVerified();
    return parts.engine;
  }
}
