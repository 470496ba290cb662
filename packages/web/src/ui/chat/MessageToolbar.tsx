import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { MessageItem } from '@conclave/client';
import { AddReactionIcon, DeleteIcon, EditIcon, ReplyIcon } from '../common/icons.js';
import { editable, QUICK_REACTIONS, useMessageActions } from './message-actions.js';
import { preloadEmojiPicker } from './ReactionPicker.js';

interface Tool {
  id: string;
  label: string;
  content: ReactNode;
  run: (button: HTMLButtonElement) => void;
  danger?: boolean;
}

/**
 * The hover toolbar of a message (wide screens): quick reactions, the emoji
 * picker, Reply, and on your own messages Edit and Delete. It shows while the
 * pointer is over the message or the focus is in it. One Tab stop
 * (`role="toolbar"`): ←/→, Home and End move between its buttons.
 */
export function MessageToolbar({ item }: { item: MessageItem }) {
  const actions = useMessageActions();
  const [active, setActive] = useState(0);
  const bar = useRef<HTMLDivElement>(null);
  const tools: Tool[] = [
    ...QUICK_REACTIONS.map((emoji) => ({
      id: emoji,
      label: `React with ${emoji}`,
      content: <span className="msg-tools__emoji">{emoji}</span>,
      run: () => actions.react(item.key, emoji),
    })),
    { id: 'pick', label: 'Add reaction', content: <AddReactionIcon />, run: (b) => actions.pick(item.key, b) },
    { id: 'reply', label: 'Reply', content: <ReplyIcon />, run: () => actions.reply(item) },
    ...(editable(item)
      ? [
          { id: 'edit', label: 'Edit', content: <EditIcon />, run: () => actions.edit(item) },
          { id: 'delete', label: 'Delete', content: <DeleteIcon />, run: () => actions.remove(item), danger: true },
        ]
      : []),
  ];

  const onKeyDown = (event: KeyboardEvent): void => {
    const moves: Record<string, number> = { ArrowRight: active + 1, ArrowLeft: active - 1, Home: 0, End: tools.length - 1 };
    const to = moves[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = (to + tools.length) % tools.length;
    setActive(next);
    bar.current?.querySelectorAll<HTMLButtonElement>('button')[next]?.focus();
  };

  return (
    <div ref={bar} className="msg-tools" role="toolbar" aria-label={`Message from ${item.sender}`} onKeyDown={onKeyDown} onPointerEnter={preloadEmojiPicker}>
      {tools.map((tool, i) => (
        <button
          key={tool.id}
          type="button"
          className={`msg-tools__button ${tool.danger === true ? 'msg-tools__button--danger' : ''} ${i === QUICK_REACTIONS.length - 1 ? 'msg-tools__button--last-emoji' : ''}`}
          tabIndex={i === active ? 0 : -1}
          aria-label={tool.label}
          onFocus={() => setActive(i)}
          onClick={(e) => tool.run(e.currentTarget)}
        >
          {tool.content}
          <span className="tip tip--below" aria-hidden="true">
            {tool.label}
          </span>
        </button>
      ))}
    </div>
  );
}
