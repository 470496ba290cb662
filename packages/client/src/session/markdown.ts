/**
 * Formatting of message text: a safe Markdown subset, parsed by markdown-it
 * (CommonMark) and turned into Conclave's own small AST that both UIs render,
 * plus `:shortcode:` emoji (GitHub's names, from Emojibase).
 *
 * Formatted: **strong**, *emphasis* or _emphasis_, `code`, fenced and indented
 * code blocks, > quotes, - and 1. lists, [links](https://…), <https://…>, bare
 * http(s) URLs and e-mail addresses. Everything else stays the literal text
 * typed: raw HTML, headings, rules (---), images (`![a](u)` shows "!" and a link;
 * nothing is ever loaded), link reference definitions and character references
 * (`&amp;` stays as typed). A link whose href is not http(s) or mailto is not a
 * link: `[x](javascript:…)` shows as typed.
 *
 * markdown-it rather than micromark (mdast-util-from-markdown): every member's
 * client parses every message, so a slow input is a denial of service. markdown-it
 * is linear on the pathological inputs (nested lists, `*a*a*a…`, `[[[…`) and
 * caps nesting; micromark took 1.6 s on 4 KiB of `- - - …` and 24 s on 16 KiB,
 * and 5–10 ms on an ordinary 4 KiB message with its autolink extension.
 */
import githubShortcodes from 'emojibase-data/en/shortcodes/github.json' with { type: 'json' };
import MarkdownItClass, { type MarkdownIt, type Token } from 'markdown-it';
import { sanitize } from './format.js';

/** Inline content of a paragraph (or of strong/emphasis/link). */
export type RichInline =
  /** Literal text; `\n` is a line break the sender typed. */
  | { type: 'text'; text: string }
  | { type: 'strong'; children: RichInline[] }
  | { type: 'emphasis'; children: RichInline[] }
  /** Inline code: verbatim, no shortcodes. */
  | { type: 'code'; text: string }
  /** `href` always starts with `http://`, `https://` or `mailto:` (percent-encoded, IDN hosts in punycode). */
  | { type: 'link'; href: string; children: RichInline[] };

/** A block of a message. */
export type RichBlock =
  | { type: 'paragraph'; children: RichInline[] }
  /** A code block, verbatim, without its last newline; `lang` is the fence's first word when it looks like a language name. */
  | { type: 'codeBlock'; text: string; lang?: string }
  | { type: 'quote'; children: RichBlock[] }
  /** `start`: the first item's number (1 for bullets). Each item is a list of blocks. */
  | { type: 'list'; ordered: boolean; start: number; items: RichBlock[][] };

/**
 * Quotes, lists and inline wrappers nested deeper than this are shown as
 * their literal text (blocks) or without formatting (inlines): renderers
 * (React, the terminal) never recurse deeply on hostile input.
 */
const MAX_DEPTH = 12;
/** markdown-it's own limit (block levels: a list item counts two); past it the rest of the text is dropped, so we fall back. */
const MAX_NESTING = 60;

/** Hrefs a link may have; markdown-it leaves any other link as the text typed. */
const SAFE_HREF = /^(?:https?:\/\/|mailto:)/i;
/** What a code fence's language may look like. */
const LANG = /^[A-Za-z0-9_+#.-]{1,32}$/;

let md: MarkdownIt | null = null;

/**
 * The parser, made on first use: nothing runs at import, so a bundle that
 * imports the package index without parsing (the web client's MLS worker) drops markdown-it.
 */
function parser(): MarkdownIt {
  if (md !== null) return md;
  md = new MarkdownItClass('commonmark', { html: false, linkify: true, maxNesting: MAX_NESTING })
    .enable('linkify')
    .disable(['heading', 'lheading', 'html_block', 'html_inline', 'image', 'reference', 'entity']);
  md.validateLink = (url) => SAFE_HREF.test(url);
  // Only URLs with a scheme (and e-mail addresses): a bare "notes.md" is not a link to Moldova.
  md.linkify.set({ fuzzyLink: false, fuzzyIP: false });
  return md;
}

/**
 * Parses a message's text (sanitized first with `sanitize`, so control
 * characters never reach a renderer) into blocks; blank text gives `[]`.
 * Never throws: on a parser failure, or text nested past markdown-it's limit,
 * the result is one paragraph of the sanitized text. Linear time: ~1 ms for
 * a 4 KiB message (once the JIT is warm), under 50 ms for the 16 KiB maximum
 * whatever it holds (`packages/client/test/markdown.test.ts` bounds both).
 */
export function parseMessageText(text: string): RichBlock[] {
  const clean = sanitize(text);
  if (clean.trim() === '') return [];
  try {
    const tokens = parser().parse(clean, {});
    if (tokens.some((t) => t.level >= MAX_NESTING - 1)) return [rawParagraph(clean)];
    const reader = new BlockReader(tokens, clean.split('\n'));
    const blocks = reader.blocks(0);
    return reader.done() ? blocks : [rawParagraph(clean)];
  } catch {
    return [rawParagraph(clean)];
  }
}

function rawParagraph(text: string): RichBlock {
  return { type: 'paragraph', children: [{ type: 'text', text }] };
}

/** Turns markdown-it's flat block tokens (`*_open` … `*_close`) into blocks. */
class BlockReader {
  private at = 0;

  constructor(
    private readonly tokens: readonly Token[],
    /** The source's lines, for showing a construct as typed (`Token.map` is a line range). */
    private readonly lines: readonly string[],
  ) {}

  /** Whether every token was read (a stray closing token stops `blocks` early). */
  done(): boolean {
    return this.at >= this.tokens.length;
  }

  /** Blocks until the next closing token (not consumed) or the end. */
  blocks(depth: number): RichBlock[] {
    const out: RichBlock[] = [];
    for (let t = this.tokens[this.at]; t !== undefined && t.nesting !== -1; t = this.tokens[this.at]) {
      out.push(this.block(t, depth));
    }
    return out;
  }

  private block(t: Token, depth: number): RichBlock {
    switch (t.type) {
      case 'paragraph_open': {
        const inline = this.tokens[this.at + 1];
        this.skip(t);
        return { type: 'paragraph', children: inline?.type === 'inline' ? toInlines(inline.children ?? [], 0) : [] };
      }
      case 'fence':
      case 'code_block': {
        // An empty fence would show nothing of what was typed ("```hello" alone): show it as typed.
        if (t.content === '') return this.literal(t);
        this.at++;
        const text = t.content.replace(/\n$/, '');
        const lang = t.info.trim().split(/\s+/)[0] ?? '';
        return t.type === 'fence' && LANG.test(lang) ? { type: 'codeBlock', text, lang } : { type: 'codeBlock', text };
      }
      case 'blockquote_open':
        if (depth >= MAX_DEPTH) return this.literal(t);
        return { type: 'quote', children: this.inside(() => this.blocks(depth + 1)) };
      case 'bullet_list_open':
      case 'ordered_list_open': {
        if (depth >= MAX_DEPTH) return this.literal(t);
        const ordered = t.type === 'ordered_list_open';
        const start = ordered ? Number(t.attrGet('start') ?? 1) : 1;
        return { type: 'list', ordered, start, items: this.inside(() => this.items(depth + 1)) };
      }
      default:
        // A rule (---) and anything this subset does not format: the lines as typed.
        return this.literal(t);
    }
  }

  /** The items of a list: each `list_item_open` … `list_item_close`. */
  private items(depth: number): RichBlock[][] {
    const items: RichBlock[][] = [];
    while (this.tokens[this.at]?.type === 'list_item_open') items.push(this.inside(() => this.blocks(depth + 1)));
    return items;
  }

  /** Reads what is between the opening token at `at` and its closing token, consuming both. */
  private inside<T>(read: () => T): T {
    this.at++;
    const result = read();
    this.at++;
    return result;
  }

  /** Moves past `t` and, when it opens, past its closing token. */
  private skip(t: Token): void {
    this.at++;
    if (t.nesting !== 1) return;
    for (let level = 1; level > 0 && this.at < this.tokens.length; this.at++) level += this.tokens[this.at]?.nesting ?? 0;
  }

  /** `t` (and what it contains) as the lines typed for it. */
  private literal(t: Token): RichBlock {
    this.skip(t);
    const text = t.map === null ? '' : this.lines.slice(t.map[0], t.map[1]).join('\n');
    return rawParagraph(text);
  }
}

/** Converts inline tokens; `emoji`: expand shortcodes in text (not inside links, whose text may be a URL). */
function toInlines(tokens: readonly Token[], depth: number, emoji = true): RichInline[] {
  const out: RichInline[] = [];
  const pushText = (text: string) => {
    const last = out[out.length - 1];
    if (last?.type === 'text') last.text += text;
    else if (text !== '') out.push({ type: 'text', text });
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case 'text':
        pushText(emoji ? expandShortcodes(t.content) : t.content);
        break;
      case 'softbreak':
      case 'hardbreak':
        pushText('\n');
        break;
      case 'code_inline':
        out.push({ type: 'code', text: t.content });
        break;
      case 'strong_open':
      case 'em_open':
      case 'link_open': {
        const end = closing(tokens, i);
        const inner = tokens.slice(i + 1, end);
        i = end;
        const href = String(t.attrGet('href') ?? '');
        if (depth >= MAX_DEPTH || (t.type === 'link_open' && !SAFE_HREF.test(href))) {
          for (const inline of toInlines(inner, depth, emoji)) pushText(inlineText(inline));
        } else if (t.type === 'link_open') {
          out.push({ type: 'link', href, children: toInlines(inner, depth + 1, false) });
        } else {
          out.push({ type: t.type === 'strong_open' ? 'strong' : 'emphasis', children: toInlines(inner, depth + 1, emoji) });
        }
        break;
      }
      default:
        // Nothing else is enabled; keep whatever text a token carries.
        pushText(t.content);
    }
  }
  return out;
}

/** Index of the token closing the one opened at `open` (the last index when unbalanced). */
function closing(tokens: readonly Token[], open: number): number {
  let level = 0;
  for (let i = open; i < tokens.length; i++) {
    level += tokens[i]!.nesting;
    if (level === 0) return i;
  }
  return tokens.length - 1;
}

/**
 * The text of `blocks` without markup, for notifications, quotes and search:
 * blocks and list items on lines of their own, links as their text, emoji
 * expanded.
 */
export function plainText(blocks: readonly RichBlock[]): string {
  return blocks.map(blockText).join('\n');
}

function blockText(block: RichBlock): string {
  switch (block.type) {
    case 'paragraph':
      return block.children.map(inlineText).join('');
    case 'codeBlock':
      return block.text;
    case 'quote':
      return plainText(block.children);
    case 'list':
      return block.items.map(plainText).join('\n');
  }
}

function inlineText(inline: RichInline): string {
  switch (inline.type) {
    case 'text':
    case 'code':
      return inline.text;
    case 'strong':
    case 'emphasis':
    case 'link':
      return inline.children.map(inlineText).join('');
  }
}

/** `:name:` with a letter or digit on neither side (`12:100:30` is a time, not 💯). */
const SHORTCODE = /(?<![A-Za-z0-9]):([A-Za-z0-9_+-]{1,40}):(?![A-Za-z0-9])/g;

/**
 * `:name:` → its emoji, for GitHub's names (`:+1:`, `:thumbsup:`, `:tada:`,
 * `:heart:` — Emojibase's `github` shortcodes, case-insensitive). Unknown
 * names stay as typed.
 */
export function expandShortcodes(text: string): string {
  if (!text.includes(':')) return text;
  const emoji = emojiByName();
  return text.replace(SHORTCODE, (whole, name: string) => emoji.get(name.toLowerCase()) ?? whole);
}

let byName: Map<string, string> | null = null;

/** The shortcode table, built on first use (~1 900 names). */
function emojiByName(): Map<string, string> {
  if (byName !== null) return byName;
  byName = new Map();
  for (const [hexcode, names] of Object.entries(githubShortcodes)) {
    const emoji = fromHexcode(hexcode);
    for (const name of typeof names === 'string' ? [names] : names) byName.set(name, emoji);
  }
  return byName;
}

/**
 * An Emojibase hexcode (`1F44D`, `1F3F3-FE0F-200D-1F308`) as the emoji. Emojibase
 * drops U+FE0F from single code points; one whose default presentation is text
 * (❤ U+2764) gets it back, or it would draw as a plain glyph.
 */
function fromHexcode(hexcode: string): string {
  const codePoints = hexcode.split('-').map((hex) => parseInt(hex, 16));
  const emoji = String.fromCodePoint(...codePoints);
  return codePoints.length === 1 && !/\p{Emoji_Presentation}/u.test(emoji) ? `${emoji}\uFE0F` : emoji;
}
