import { useEffect, useState } from 'react';
import type { ConversationId } from '@conclave/protocol';
import type { CueHub } from '../../app/cues.js';

/**
 * A visually hidden live region announcing messages that arrive in a
 * conversation other than the one on screen ("New message from alice in
 * #random", "bob mentioned you in #random"); the log itself announces the
 * current one.
 */
export function Announcer({ cues, current }: { cues: CueHub; current: ConversationId | null }) {
  const [text, setText] = useState('');
  useEffect(
    () =>
      cues.subscribe((cue) => {
        if (cue.conversationId === undefined || cue.conversationId === current) return;
        if (cue.sound === 'room') setText(`New message from ${cue.title}`);
        else if (cue.sound === 'private') setText(`New private message from ${cue.title.split(' ')[0] ?? cue.title}`);
        else if (cue.sound === 'mention') setText(cue.title.includes('mentioned you') ? cue.title : `${cue.title.split(' ')[0] ?? cue.title} mentioned you`);
      }),
    [cues, current],
  );
  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true">
      {text}
    </div>
  );
}
