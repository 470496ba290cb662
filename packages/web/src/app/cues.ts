import type { ConversationId } from '@conclave/protocol';
import type { Cue } from '@conclave/client';
import { notifyCue } from './notifications.js';
import { SoundPlayer } from './sounds.js';

/**
 * Where the chat model's cues go: a sound (unless muted), a system
 * notification when the tab is hidden, and the chat screen's listeners
 * (the screen-reader announcer). One per page; the chat screen sets
 * `openConversation` so a notification click can open its conversation.
 */
export class CueHub {
  readonly sounds = new SoundPlayer();
  private readonly listeners = new Set<(cue: Cue) => void>();
  /** Set by the chat screen while it is shown. */
  openConversation: ((conversationId: ConversationId) => void) | null = null;

  /** The `cue` option of every `ChatModel` this page makes. */
  readonly handle = (cue: Cue): void => {
    this.sounds.play(cue.sound);
    void notifyCue(cue, (id) => this.openConversation?.(id));
    for (const l of this.listeners) l(cue);
  };

  /** Listens to every cue; returns the unsubscribe function. */
  subscribe(listener: (cue: Cue) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The page's cue hub. */
export const cues = new CueHub();
