import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandShortcodes, parseMessageText, plainText, type RichBlock, type RichInline } from '../src/index.js';

const para = (...children: RichInline[]): RichBlock => ({ type: 'paragraph', children });
const text = (t: string): RichInline => ({ type: 'text', text: t });
const link = (href: string, shown = href): RichInline => ({ type: 'link', href, children: [text(shown)] });

/** Every href in the blocks. */
function hrefs(blocks: readonly RichBlock[]): string[] {
  const ofInlines = (list: readonly RichInline[]): string[] =>
    list.flatMap((i) => (i.type === 'link' ? [i.href, ...ofInlines(i.children)] : i.type === 'strong' || i.type === 'emphasis' ? ofInlines(i.children) : []));
  return blocks.flatMap((b) => {
    switch (b.type) {
      case 'paragraph':
        return ofInlines(b.children);
      case 'codeBlock':
        return [];
      case 'quote':
        return hrefs(b.children);
      case 'list':
        return b.items.flatMap(hrefs);
    }
  });
}

/** How deep blocks and inlines nest (a paragraph of text is 2). */
function depth(blocks: readonly RichBlock[]): number {
  const ofInline = (i: RichInline): number => (i.type === 'text' || i.type === 'code' ? 1 : 1 + Math.max(0, ...i.children.map(ofInline)));
  const ofBlock = (b: RichBlock): number => {
    switch (b.type) {
      case 'paragraph':
        return 1 + Math.max(0, ...b.children.map(ofInline));
      case 'codeBlock':
        return 1;
      case 'quote':
        return 1 + depth(b.children);
      case 'list':
        return 2 + Math.max(0, ...b.items.map(depth));
    }
  };
  return Math.max(0, ...blocks.map(ofBlock));
}

/** Median CPU time of `run`, ms, after a warm-up (the JIT's: a cold first parse takes a few times longer) — CPU, not wall time, as other suites run alongside. */
function medianMs(run: () => void, times = 21, warmUp = 30): number {
  for (let i = 0; i < warmUp; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  return samples.sort((a, b) => a - b)[Math.floor(times / 2)]!;
}

test('strong, emphasis (* and _), inline code and line breaks become the AST; plain text stays as typed', () => {
  assert.deepEqual(parseMessageText('**bold**, *it*, _it_ and `x < y`\nnext line'), [
    para(
      { type: 'strong', children: [text('bold')] },
      text(', '),
      { type: 'emphasis', children: [text('it')] },
      text(', '),
      { type: 'emphasis', children: [text('it')] },
      text(' and '),
      { type: 'code', text: 'x < y' },
      text('\nnext line'),
    ),
  ]);
  assert.deepEqual(parseMessageText('just words, 2 * 3 = 6 and snake_case_name'), [para(text('just words, 2 * 3 = 6 and snake_case_name'))]);
  assert.deepEqual(parseMessageText(''), []);
  assert.deepEqual(parseMessageText('  \n '), []);
});

test('raw HTML, headings, rules, entities and images show as the literal text typed', () => {
  for (const typed of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<b onclick="x()">hi</b>', '# Title', '&amp; &lt;b&gt; &#x41;', '<!-- c -->']) {
    assert.deepEqual(parseMessageText(typed), [para(text(typed))], typed);
  }
  assert.deepEqual(parseMessageText('<div>\n<script>alert(1)</script>\n</div>'), [para(text('<div>\n<script>alert(1)</script>\n</div>'))]);
  assert.deepEqual(parseMessageText('above\n\n---'), [para(text('above')), para(text('---'))]);
  // An image is never an image: "!" and a link to its URL.
  assert.deepEqual(parseMessageText('![cat](https://img.example/cat.png)'), [para(text('!'), link('https://img.example/cat.png', 'cat'))]);
  // A link reference definition does not hide its line.
  assert.equal(plainText(parseMessageText('[a]: https://x.example\n[a]')), '[a]: https://x.example\n[a]');
});

test('links: only http(s) and mailto hrefs; javascript:, data:, relative and others stay as typed', () => {
  assert.deepEqual(parseMessageText('[docs](https://example.com/a?b=1)'), [para(link('https://example.com/a?b=1', 'docs'))]);
  assert.deepEqual(parseMessageText('[mail me](mailto:a@example.com)'), [para(link('mailto:a@example.com', 'mail me'))]);
  const hostile = [
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](java&#115;cript:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](data:text/html;base64,PHNjcmlwdD4=)',
    '[x](vbscript:msgbox(1))',
    '[x](file:///etc/passwd)',
    '[x](/relative/path)',
    '[x](//evil.example)',
    '[x](ftp://files.example)',
    '<javascript:alert(1)>',
    '<data:text/html,hi>',
  ];
  for (const typed of hostile) {
    assert.deepEqual(parseMessageText(typed), [para(text(typed))], typed);
  }
  const all = parseMessageText(`${hostile.join(' ')} [ok](http://ok.example) <https://auto.example> see https://bare.example/x.`);
  assert.deepEqual(hrefs(all), ['http://ok.example', 'https://auto.example', 'https://bare.example/x']);
  for (const href of hrefs(all)) assert.match(href, /^(https?:\/\/|mailto:)/);
});

test('bare http(s) URLs and e-mail addresses are links, without trailing punctuation; bare domains are not', () => {
  assert.deepEqual(parseMessageText('see https://example.com/path, or (http://x.example/a_b).'), [
    para(text('see '), link('https://example.com/path'), text(', or ('), link('http://x.example/a_b'), text(').')),
  ]);
  assert.deepEqual(parseMessageText('write to bob@example.com'), [para(text('write to '), link('mailto:bob@example.com', 'bob@example.com'))]);
  assert.deepEqual(parseMessageText('read notes.md and www.example.com'), [para(text('read notes.md and www.example.com'))]);
  // Inside code, a URL is code.
  assert.deepEqual(parseMessageText('`https://example.com`'), [para({ type: 'code', text: 'https://example.com' })]);
});

test('code blocks: fenced with a language, indented, and an unterminated fence runs to the end', () => {
  assert.deepEqual(parseMessageText('```ts\nconst a = 1;\n\n  if (a) {}\n```\nafter'), [
    { type: 'codeBlock', text: 'const a = 1;\n\n  if (a) {}', lang: 'ts' },
    para(text('after')),
  ]);
  assert.deepEqual(parseMessageText('look:\n\n    indented();\n    more();'), [para(text('look:')), { type: 'codeBlock', text: 'indented();\nmore();' }]);
  assert.deepEqual(parseMessageText('```\nnever closed **not bold** <script>\n\nstill code'), [{ type: 'codeBlock', text: 'never closed **not bold** <script>\n\nstill code' }]);
  // A language that does not look like one is dropped, not passed on to a class name.
  assert.deepEqual(parseMessageText('```"><img src=x>\ncode\n```'), [{ type: 'codeBlock', text: 'code' }]);
  assert.deepEqual(parseMessageText('~~~python extra words\nprint(1)\n~~~'), [{ type: 'codeBlock', text: 'print(1)', lang: 'python' }]);
});

test('quotes and lists nest; an ordered list keeps its first number', () => {
  assert.deepEqual(parseMessageText('> quoted **text**\n> > deeper'), [
    {
      type: 'quote',
      children: [para(text('quoted '), { type: 'strong', children: [text('text')] }), { type: 'quote', children: [para(text('deeper'))] }],
    },
  ]);
  assert.deepEqual(parseMessageText('- one\n- two\n  - two.a\n\n3. three\n4. four'), [
    {
      type: 'list',
      ordered: false,
      start: 1,
      items: [[para(text('one'))], [para(text('two')), { type: 'list', ordered: false, start: 1, items: [[para(text('two.a'))]] }]],
    },
    { type: 'list', ordered: true, start: 3, items: [[para(text('three'))], [para(text('four'))]] },
  ]);
});

test('shortcodes become emoji outside code and links; unknown or glued ones stay as typed', () => {
  assert.equal(expandShortcodes(':thumbsup: :+1: :tada: :heart: :-1: :TADA:'), '👍 👍 🎉 ❤️ 👎 🎉');
  assert.equal(expandShortcodes(':no_such_emoji: :tada'), ':no_such_emoji: :tada');
  assert.equal(expandShortcodes('at 12:100:30 and a:tada:b'), 'at 12:100:30 and a:tada:b');
  assert.equal(expandShortcodes(':tada::tada:'), '🎉🎉');
  assert.equal(expandShortcodes(':rainbow_flag:'), '🏳️‍🌈');
  assert.deepEqual(parseMessageText('**:tada:** `:tada:` [:tada:](https://x.example)\n```\n:tada:\n```'), [
    para({ type: 'strong', children: [text('🎉')] }, text(' '), { type: 'code', text: ':tada:' }, text(' '), link('https://x.example', ':tada:')),
    { type: 'codeBlock', text: ':tada:' },
  ]);
});

test('plainText drops the markup: blocks and items on their own lines, links as their text', () => {
  const blocks = parseMessageText('**Hi** _all_ :wave:\n\n> see [the docs](https://docs.example)\n\n- `one`\n- two\n\n```\ncode\n```');
  assert.equal(plainText(blocks), 'Hi all 👋\nsee the docs\none\ntwo\ncode');
  assert.equal(plainText([]), '');
});

test('the AST is JSON data, and control characters never reach it', () => {
  const blocks = parseMessageText('a\u001b[31mred\u0007 **b** \u0000\u009b [l](https://x.example)\r\n> q\n- i');
  assert.deepEqual(JSON.parse(JSON.stringify(blocks)), blocks);
  const flat = JSON.stringify(blocks);
  assert.doesNotMatch(flat, /\\u00(0[0-8]|1[0-9a-f]|7f|[89][0-9a-f])/);
  assert.equal(plainText(parseMessageText('bell\u0007 esc\u001b[2J done')), 'bell esc[2J done');
});

test('hostile nesting is bounded and loses no text; nothing throws', () => {
  const inputs = [
    `${'>'.repeat(10_000)} deep`,
    `${'> '.repeat(5_000)}deep`,
    `${'- '.repeat(5_000)}deep`,
    `${'1. '.repeat(3_000)}deep`,
    Array.from({ length: 200 }, (_, i) => `${' '.repeat(i * 2)}- deep`).join('\n'),
    `${'*_'.repeat(2_000)}deep${'_*'.repeat(2_000)}`,
    `${'['.repeat(700)}deep${'](https://x.example)'.repeat(700)}`,
    `${'**'.repeat(3_000)}deep`,
    `${'`'.repeat(5_000)}deep`,
    '\ud800 lone surrogate deep \udfff',
  ];
  for (const input of inputs) {
    const blocks = parseMessageText(input);
    assert.ok(depth(blocks) <= 40, `${input.slice(0, 20)}…: depth ${depth(blocks)}`);
    assert.match(plainText(blocks), /deep/, input.slice(0, 20));
  }
  // Nested past the parser's own limit: one paragraph of the text, nothing dropped.
  const deep = `${'> '.repeat(100)}deep\n\nafter`;
  assert.deepEqual(parseMessageText(deep), [para(text(deep))]);
});

test('parsing is fast: a 4 KiB message well under 5 ms, hostile 16 KiB inputs linear', () => {
  const paragraph =
    'Hello **world**, this is a *normal* message with `code` and _emphasis_, :tada: and a link to https://example.com/x.\n' +
    'It goes on for a while: the plan, the numbers (2 * 3 = 6), a snake_case_name, and more words.\n\n' +
    '> a quote\n\n- a list item\n- another one\n\n';
  const message = paragraph.repeat(Math.ceil(4096 / paragraph.length)).slice(0, 4096);
  const typical = medianMs(() => parseMessageText(message));
  // ~1 ms of CPU on a development machine, with every other suite running.
  assert.ok(typical < 5, `4 KiB message: ${typical.toFixed(2)} ms`);
  const sized = (unit: string) => unit.repeat(Math.ceil(16_384 / unit.length)).slice(0, 16_384);
  for (const unit of ['- ', '>', '*a', '*_', '[', '[a](', '`a``b', 'http://a.b/ ', '```\n', ':tada']) {
    const input = sized(unit);
    const ms = medianMs(() => parseMessageText(input), 3, 2);
    // Quadratic parsers take seconds here (micromark: 24 s for nested "- ").
    assert.ok(ms < 250, `16 KiB of ${JSON.stringify(unit)}: ${ms.toFixed(1)} ms`);
  }
});
