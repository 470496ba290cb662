import { Fragment } from 'react';

/** http(s) links in message text; trailing punctuation stays outside the link. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/g;

/**
 * Message text as React text, with http(s) URLs as links that open in a new
 * tab without a referrer. Never HTML: markup in a message shows as typed.
 */
export function RichText({ text }: { text: string }) {
  const parts: Array<{ text: string; href?: string }> = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: match[0], href: match[0] });
    last = start + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return (
    <>
      {parts.map((p, i) =>
        p.href === undefined ? (
          <Fragment key={i}>{p.text}</Fragment>
        ) : (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer nofollow">
            {p.text}
          </a>
        ),
      )}
    </>
  );
}
