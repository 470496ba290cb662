import type { ConversationId, UserId } from '@conclave/protocol';
import type { ConclaveClient } from '../client.js';
import { ConclaveError, isConclaveError } from '../errors.js';
import type { SentReceipt } from '../outbox.js';
import { addresseeKey, existingConversation, newOpening, type Addressee, type Opening, type Target } from './openings.js';
import { pendingItem, placePending, type MessageItem, type Panes, type ReplyQuote } from './pane-items.js';

/** How a typed text is sent: as a reply to message `replyTo`, as an action (`emote`), naming `mentions`; `quote` is shown above it while pending. */
export interface TextOptions {
  replyTo?: number;
  emote?: boolean;
  mentions?: UserId[];
  quote?: ReplyQuote;
}

/** How long a conversation setup waits for the connection to come back before it fails, ms. */
const CONNECT_WAIT_MS = 30_000;

/** What `Submissions` needs of the model that owns it. */
export interface SubmissionHost {
  readonly client: ConclaveClient;
  readonly panes: Panes;
  /** `conversationId:seq` of every message put in a pane. */
  readonly shown: Set<string>;
  /** The opening on screen, if any. */
  view: Opening | null;
  /** Switches the view to a conversation (clears the opening view). */
  select(conversationId: ConversationId | null): void;
  /** Adds a system line to a pane. */
  system(text: string, tone: 'info' | 'error' | 'ok', paneKey: ConversationId): void;
  notify(): void;
}

/**
 * A text handed to the outbox: `ack` settles when the server acknowledged it (or it failed). Wrapped in
 * an object because an async function returning a bare promise would wait for it.
 */
export interface Handed {
  ack: Promise<void>;
}

const NOTHING: Handed = { ack: Promise.resolve() };

/** A text typed by the user that the server has not acknowledged yet. */
interface PendingSend {
  key: string;
  target: Target;
  text: string;
  options: TextOptions;
}

/**
 * The texts the user typed and the conversations they addressed, in the
 * order they pressed Enter. The target of a text is fixed when it is
 * submitted — the conversation on screen, or one still being set up — so a
 * switch that completes later can never redirect it. A text shows at once as
 * a pending message in its target's pane, is handed to the client's outbox
 * once its conversation exists (in submission order), and becomes a normal
 * message on the server's acknowledgement (or `failed`, with Retry).
 */
export class Submissions {
  /** Conversations being set up, by `addresseeKey`. */
  private readonly openings = new Map<string, Opening>();
  private readonly pending = new Map<string, PendingSend>();
  private counter = 0;

  constructor(private readonly host: SubmissionHost) {}

  /** The opening for an addressee: the one under way, or a new one (not started). */
  openingFor(addressee: Addressee, from: ConversationId | null): Opening {
    const key = addresseeKey(addressee);
    let opening = this.openings.get(key);
    if (opening === undefined) this.openings.set(key, (opening = newOpening(addressee, from)));
    return opening;
  }

  /** The target for a line addressed to `addressee`: the listed conversation, else an opening. */
  targetFor(addressee: Addressee, from: ConversationId | null): Target {
    const existing = existingConversation(addressee, this.host.client.snapshot().conversations);
    if (existing !== undefined) return { kind: 'conversation', conversationId: existing.conversationId };
    return { kind: 'opening', opening: this.openingFor(addressee, from) };
  }

  /** The pane a target's lines go to now. */
  paneOf(target: Target): ConversationId {
    if (target.kind === 'conversation') return target.conversationId;
    const { state } = target.opening;
    return state.kind === 'ready' ? state.conversationId : target.opening.paneKey;
  }

  /**
   * Puts `text` in its target's pane as a pending message now; returns the
   * step to run in submission order (it hands the text to the outbox and
   * resolves with the acknowledgement's promise, wrapped so awaiting the step
   * does not wait for the server).
   */
  addText(target: Target, text: string, options: TextOptions = {}): () => Promise<Handed> {
    const key = `p${++this.counter}`;
    const item: MessageItem = {
      ...pendingItem(key, this.host.client.snapshot().me?.username, text),
      ...(options.quote !== undefined && { replyTo: options.quote }),
      ...(options.emote === true && { emote: true as const }),
    };
    this.host.panes.push(this.paneOf(target), item);
    this.pending.set(key, { key, target, text, options });
    this.host.notify();
    return () => this.send(key);
  }

  /**
   * Sets up an opening's conversation (once; later calls share the run):
   * waits for the connection, opens the DM or joins the room, moves the
   * opening's pane to the conversation, and switches the view to it if the
   * user is still looking at the opening.
   * @throws ConclaveError from the server (NO_SUCH_USER, ROOM_CREATION_CLOSED…) or the connection.
   */
  open(opening: Opening): Promise<ConversationId> {
    opening.task ??= this.runOpening(opening);
    return opening.task;
  }

  /** Sends a failed message again (to the conversation it was meant for). */
  retry(key: string): Promise<void> {
    const record = this.pending.get(key);
    const found = this.host.panes.locate(key);
    if (record === undefined || found === undefined || found.item.kind !== 'message' || found.item.status !== 'failed') return Promise.resolve();
    const { opening } = record.target.kind === 'opening' ? record.target : { opening: null };
    if (opening !== null && opening.state.kind === 'failed') {
      // Its conversation never opened: address it afresh.
      record.target = this.targetFor(opening.addressee, opening.from);
    }
    this.host.panes.replace(key, { ...found.item, status: 'pending', error: undefined });
    this.host.notify();
    const target = record.target;
    return (async () => {
      if (target.kind === 'opening') await this.open(target.opening);
      await (await this.send(key)).ack;
    })().catch(() => undefined);
  }

  /** Drops a failed message from its pane. */
  discard(key: string): void {
    const found = this.host.panes.locate(key);
    if (found === undefined || found.item.kind !== 'message' || found.item.status !== 'failed') return;
    this.pending.delete(key);
    this.host.panes.replace(key, null);
    this.host.notify();
  }

  private async runOpening(opening: Opening): Promise<ConversationId> {
    const { client } = this.host;
    try {
      await this.whenReady();
      const info = opening.addressee.kind === 'dm' ? await client.openDm(opening.addressee.name) : await client.join(opening.addressee.name);
      const id = info.conversationId;
      opening.state = { kind: 'ready', conversationId: id };
      this.openings.delete(addresseeKey(opening.addressee));
      this.host.panes.move(opening.paneKey, id);
      if (this.host.view === opening) this.host.select(id);
      this.host.notify();
      return id;
    } catch (err) {
      const reason = isConclaveError(err) || err instanceof Error ? err.message : String(err);
      opening.state = { kind: 'failed', error: reason };
      this.openings.delete(addresseeKey(opening.addressee));
      const back = opening.from;
      // Texts meant for it stay visible (failed, with Retry) where the user came from.
      for (const record of this.pending.values()) {
        if (record.target.kind === 'opening' && record.target.opening === opening) this.markFailed(record.key, `Not sent: could not open ${opening.label}.`);
      }
      if (back !== null) this.host.panes.move(opening.paneKey, back);
      if (this.host.view === opening) this.host.select(back);
      this.host.notify();
      throw err;
    }
  }

  /** Hands a pending text to the outbox; resolves (in order) with the promise of its acknowledgement. */
  private async send(key: string): Promise<Handed> {
    const record = this.pending.get(key);
    if (record === undefined) return NOTHING;
    const { target } = record;
    if (target.kind === 'opening' && target.opening.state.kind !== 'ready') {
      if (target.opening.state.kind === 'failed') return NOTHING; // marked failed by the opening
      const opened = await this.open(target.opening).then(
        () => true,
        () => false,
      );
      if (!opened) return NOTHING;
    }
    const conversationId = this.paneOf(target);
    let ack: Promise<SentReceipt>;
    try {
      const { replyTo, emote, mentions } = record.options;
      ack = this.host.client.sendText(conversationId, record.text, {
        ...(replyTo !== undefined && { replyTo }),
        ...(emote === true && { emote }),
        ...(mentions !== undefined && { mentions }),
      });
    } catch (err) {
      ack = Promise.reject(err instanceof Error ? err : new ConclaveError('CONCLAVE_ERR_INTERNAL'));
    }
    return {
      ack: ack.then(
        (receipt) => this.placed(key, receipt),
        (err: unknown) => this.markFailed(key, isConclaveError(err) || err instanceof Error ? err.message : String(err)),
      ),
    };
  }

  /** The server acknowledged a pending text: it becomes the message at its seq. */
  private placed(key: string, receipt: SentReceipt): void {
    this.pending.delete(key);
    placePending(this.host.panes, this.host.shown, key, receipt);
    this.host.notify();
  }

  private markFailed(key: string, error: string): void {
    const found = this.host.panes.locate(key);
    if (found === undefined || found.item.kind !== 'message') return;
    this.host.panes.replace(key, { ...found.item, status: 'failed', error });
    this.host.notify();
  }

  /** Resolves once the connection is ready (at once when it is). @throws ConclaveError CLOSED, or DISCONNECTED after 30 s. */
  private whenReady(): Promise<void> {
    const { client } = this.host;
    if (client.connectionState === 'ready') return Promise.resolve();
    if (client.connectionState === 'closed') return Promise.reject(new ConclaveError('CONCLAVE_ERR_CLOSED'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new ConclaveError('CONCLAVE_ERR_DISCONNECTED'));
      }, CONNECT_WAIT_MS);
      const off = client.on('connection', (change) => {
        if (change.state !== 'ready' && change.state !== 'closed') return;
        clearTimeout(timer);
        off();
        if (change.state === 'ready') resolve();
        else reject(new ConclaveError('CONCLAVE_ERR_CLOSED'));
      });
    });
  }
}
