import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textWidth, type Segment } from '../src/tui/layout.js';
import { richTextLines } from '../src/tui/rich-text.js';

const plain = (line: Segment[]): string => line.map((s) => s.text).join('');
const screen = (lines: Segment[][]): string[] => lines.map(plain);
/** The segment holding `text` on any line. */
const segmentOf = (lines: Segment[][], text: string): Segment | undefined => lines.flat().find((s) => s.text === text);

test('bold, italic, code and links are styled segments; a link shows its URL when its text differs', () => {
  const lines = richTextLines('**bold** *it* `code` [docs](https://docs.example/a) https://x.example/b', 200);
  assert.deepEqual(screen(lines), ['bold it code docs (https://docs.example/a) https://x.example/b']);
  assert.equal(segmentOf(lines, 'bold')?.bold, true);
  assert.equal(segmentOf(lines, 'it')?.italic, true);
  assert.equal(segmentOf(lines, 'code')?.color, 'yellow');
  const docs = segmentOf(lines, 'docs');
  assert.ok(docs?.color !== undefined, 'link text is colored');
  assert.equal(segmentOf(lines, ' (https://docs.example/a)')?.dim, true);
  // A bare URL is its own text: not repeated.
  assert.equal(segmentOf(lines, 'https://x.example/b')?.color, docs?.color);
  assert.deepEqual(screen(richTextLines('mail bob@example.com', 80)), ['mail bob@example.com']);
});

test('nested styles combine: bold italic code inside emphasis keeps both', () => {
  const lines = richTextLines('*a **b** `c`*', 80);
  assert.deepEqual(screen(lines), ['a b c']);
  assert.deepEqual(segmentOf(lines, 'b'), { text: 'b', italic: true, bold: true });
  assert.deepEqual(segmentOf(lines, 'c'), { text: 'c', italic: true, color: 'yellow' });
});

test('raw HTML and other markup outside the subset show as typed; shortcodes become emoji', () => {
  assert.deepEqual(screen(richTextLines('<script>alert(1)</script> <img src=x onerror=alert(1)>', 200)), ['<script>alert(1)</script> <img src=x onerror=alert(1)>']);
  assert.deepEqual(screen(richTextLines('# Title\n[x](javascript:alert(1)) :tada: `:tada:`', 200)), ['# Title', '[x](javascript:alert(1)) 🎉 :tada:']);
});

test('paragraphs word-wrap to the width, keeping each word in its style across lines', () => {
  const lines = richTextLines('one **two three four** five six seven', 12);
  assert.deepEqual(screen(lines), ['one two', 'three four', 'five six', 'seven']);
  assert.equal(segmentOf(lines, 'two')?.bold, true);
  assert.equal(segmentOf(lines, 'three four')?.bold, true);
  assert.equal(segmentOf(lines, 'five six')?.bold, undefined);
  // Two paragraphs: an empty line between them.
  assert.deepEqual(screen(richTextLines('first\n\nsecond', 40)), ['first', '', 'second']);
});

test('quotes get a dim bar, lists a bullet or number with a hanging indent', () => {
  const quote = richTextLines('> quoted words that wrap\n> > nested', 14);
  assert.deepEqual(screen(quote), ['│ quoted words', '│ that wrap', '│ │ nested']);
  assert.equal(quote[0]![0]!.dim, true);
  assert.deepEqual(screen(richTextLines('- one\n- two words that wrap\n  - inner', 14)), ['• one', '• two words', '  that wrap', '  • inner']);
  assert.deepEqual(screen(richTextLines('9. nine\n10. ten', 40)), [' 9. nine', '10. ten']);
  assert.deepEqual(screen(richTextLines('3. three', 40)), ['3. three']);
});

test('code blocks are indented, colored, hard-wrapped and kept verbatim', () => {
  const lines = richTextLines('```\nif (a) {\n    call(**x**, :tada:);\n}\n```', 14);
  assert.deepEqual(screen(lines), ['  if (a) {', '      call(**x', '  **, :tada:);', '  }']);
  for (const line of lines) assert.equal(line[1]?.color, 'yellow');
});

test('no line is wider than the width, whatever the markup', () => {
  const text = [
    'A **long** paragraph with `inline code`, a [link](https://example.com/a/very/long/path/that/never/ends) and :tada: emoji 🎉🎉.',
    '> quoted\n> > twice quoted with a_very_long_unbreakable_word_here',
    '- item\n  - nested item with words\n    - third level item',
    '```\nconst x = "a long line of code that will have to be cut somewhere";\n```',
    '1. first\n2. second',
  ].join('\n\n');
  for (const width of [10, 17, 33, 80]) {
    for (const line of richTextLines(text, width)) assert.ok(textWidth(plain(line)) <= width, `${width}: ${JSON.stringify(plain(line))}`);
  }
});

test('a lead (trust tag, pending mark) starts the first line in its own style; the base style is under the text', () => {
  const lead: Segment = { text: '[new device] ', color: 'yellow', bold: true };
  const lines = richTextLines('hello **there**', 40, { lead, base: { dim: true } });
  assert.deepEqual(lines, [
    [
      { text: '[new device] ', color: 'yellow', bold: true },
      { text: 'hello ', dim: true },
      { text: 'there', dim: true, bold: true },
    ],
  ]);
  // Before a block that is not a paragraph, the lead has a line of its own.
  assert.deepEqual(screen(richTextLines('- item', 40, { lead: { text: '⧗ ', color: 'yellow' } })), ['⧗', '• item']);
  assert.deepEqual(richTextLines('', 40), [[{ text: '' }]]);
});
