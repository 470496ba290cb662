import type { ConversationId, ConversationInfo } from '@conclave/protocol';
import { conversationLabel } from './format.js';

/** Who a line is addressed to when it names its conversation: a user (DM) or a `#room`. */
export interface Addressee {
  kind: 'dm' | 'room';
  /** Username (DM) or `#room` (normalised). */
  name: string;
}

/** The state of a conversation being set up (its MLS group joined or created). */
export type OpeningState = { kind: 'pending' } | { kind: 'ready'; conversationId: ConversationId } | { kind: 'failed'; error: string };

/**
 * A conversation the user addressed whose MLS group is still being set up
 * (`/msg bob` before the DM exists, `/join #films`): it has a pane of its
 * own at once (key `paneKey`), where texts typed for it wait as pending.
 */
export interface Opening {
  readonly addressee: Addressee;
  /** Placeholder pane key until the conversation id is known. */
  readonly paneKey: ConversationId;
  /** `@bob` / `#films`. */
  readonly label: string;
  /** What the pane says meanwhile, e.g. "Setting up encryption with bob…". */
  readonly status: string;
  /** The conversation on screen when it was asked for (where a failure is reported). */
  readonly from: ConversationId | null;
  state: OpeningState;
  /** The setup run, once started (started once, in submission order). */
  task: Promise<ConversationId> | null;
}

/** What a submitted line is for, fixed when the user pressed Enter. */
export type Target = { kind: 'conversation'; conversationId: ConversationId } | { kind: 'opening'; opening: Opening };

let counter = 0;

/** A new opening for `addressee`, asked for while `from` was on screen. */
export function newOpening(addressee: Addressee, from: ConversationId | null): Opening {
  const label = conversationLabel({ kind: addressee.kind, name: addressee.name });
  return {
    addressee,
    paneKey: `\0opening:${++counter}` as ConversationId,
    label,
    status: addressee.kind === 'dm' ? `Setting up encryption with ${addressee.name}…` : `Joining ${addressee.name}…`,
    from,
    state: { kind: 'pending' },
    task: null,
  };
}

/** Lookup key of an addressee (names are case-insensitive). */
export function addresseeKey(a: Addressee): string {
  return `${a.kind}:${a.name.toLowerCase()}`;
}

/** The listed conversation an addressee already names, if any (a DM with that user, or a room joined). */
export function existingConversation(a: Addressee, conversations: readonly ConversationInfo[]): ConversationInfo | undefined {
  const wanted = a.name.replace(/^@/, '').toLowerCase();
  return conversations.find((c) =>
    a.kind === 'dm' ? c.kind === 'dm' && (c.peer?.username.toLowerCase() ?? c.name.replace(/^@/, '').toLowerCase()) === wanted : c.kind === 'room' && c.name.toLowerCase() === wanted,
  );
}
