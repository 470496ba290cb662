import { useMemo, type ReactNode } from 'react';
import { parseMessageText, type RichBlock, type RichInline } from '@conclave/client';

/**
 * Message text with its Markdown subset and `:shortcodes:` (the client core's
 * `parseMessageText`) as React elements: strong, em, code, pre, blockquote,
 * ul/ol and links that open in a new tab without a referrer. Never HTML: text
 * only ever goes into text nodes, and hrefs are http(s) or mailto (the core
 * guarantees it). Styled by class names (`rich-*`, messages.css), no inline styles.
 *
 * A message of one paragraph renders as inline content only, so it fits any
 * parent (a `<p>` included); other messages render block elements (p, pre,
 * blockquote, ul/ol), which need a block parent such as a `<div>`.
 */
export function RichText({ text }: { text: string }) {
  const blocks = useMemo(() => parseMessageText(text), [text]);
  const only = blocks[0];
  if (blocks.length === 1 && only?.type === 'paragraph') return <>{inlines(only.children)}</>;
  return <>{blocks.map(block)}</>;
}

function block(b: RichBlock, key: number): ReactNode {
  switch (b.type) {
    case 'paragraph':
      return (
        <p key={key} className="rich-p">
          {inlines(b.children)}
        </p>
      );
    case 'codeBlock':
      return (
        <pre key={key} className="rich-pre" {...(b.lang !== undefined && { 'data-lang': b.lang })}>
          <code>{b.text}</code>
        </pre>
      );
    case 'quote':
      return (
        <blockquote key={key} className="rich-quote">
          {b.children.map(block)}
        </blockquote>
      );
    case 'list': {
      const items = b.items.map((item, i) => <li key={i}>{item.map(block)}</li>);
      return b.ordered ? (
        <ol key={key} className="rich-list" {...(b.start !== 1 && { start: b.start })}>
          {items}
        </ol>
      ) : (
        <ul key={key} className="rich-list">
          {items}
        </ul>
      );
    }
  }
}

function inlines(list: readonly RichInline[]): ReactNode[] {
  return list.map(inline);
}

function inline(i: RichInline, key: number): ReactNode {
  switch (i.type) {
    case 'text':
      return i.text;
    case 'strong':
      return <strong key={key}>{inlines(i.children)}</strong>;
    case 'emphasis':
      return <em key={key}>{inlines(i.children)}</em>;
    case 'code':
      return (
        <code key={key} className="rich-code">
          {i.text}
        </code>
      );
    case 'link':
      return (
        <a key={key} href={i.href} target="_blank" rel="noopener noreferrer nofollow">
          {inlines(i.children)}
        </a>
      );
  }
}
