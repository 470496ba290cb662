import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, PASSWORDS, startEnv, tmux } from './helpers/env.js';

/**
 * The messages people expect, in the terminal client: numbers, replies,
 * reactions, edits (↑), deletions, mentions (highlight and bell), Tab
 * completion, typing, read markers, topics and search. Alice and bob each run
 * the real program in a tmux terminal against a real server.
 */

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
type Name = keyof typeof PASSWORDS;

test('replies, reactions, edit with ↑, delete, mentions with the bell, Tab, typing, seen by, /topic and /search in the terminal', { timeout: 300_000 }, async (t) => {
  const env = await startEnv();
  const tm = tmux(`conclave-test-${randomBytes(4).toString('hex')}`);
  t.after(async () => {
    await tm.kill();
    await env.close();
  });
  const bells = join(env.root, 'alice-bells');
  /** Bells alice's terminal has rung so far (tmux's alert-bell hook appends a line per bell). */
  const bellCount = async (): Promise<number> => (await readFile(bells, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const screenWithColors = (who: Name) => tm.run('capture-pane', '-p', '-e', '-t', who);
  /** Polls until `pattern` is gone from the screen (bounded). */
  const waitGone = async (who: Name, pattern: RegExp, ms = 15_000): Promise<string> => {
    const deadline = Date.now() + ms;
    let screen = '';
    while (Date.now() < deadline) {
      screen = await tm.capture(who);
      if (!pattern.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`still on screen after ${ms} ms: ${String(pattern)}\n${screen}`);
  };
  /** Waits for `who`'s message `text` and returns its number (the dim number before the time). */
  const numberOf = async (who: Name, sender: Name, text: string): Promise<number> => {
    const line = new RegExp(`(\\d+) \\d\\d:\\d\\d +${sender} [│┃] ${escape(text)}`);
    const screen = await tm.waitFor(who, line);
    return Number(line.exec(screen)![1]);
  };

  for (const who of ['alice', 'bob'] as const) {
    const args = [process.execPath, BIN, 'chat', env.address, '--user', who, '--profile-dir', join(env.root, `${who}-profile`), '--fingerprint', env.server.fingerprint];
    await tm.start(who, `${args.map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`);
    await tm.waitFor(who, /Log in/);
    await tm.keys(who, 'Enter');
    await tm.waitFor(who, /Password/);
    await tm.type(who, PASSWORDS[who]);
    await tm.waitFor(who, /● connected/);
  }
  await tm.run('set-hook', '-t', 'alice', 'alert-bell', `run-shell "echo bell >> ${bells}"`);

  // Both devices are in #general's group once bob reads what alice writes.
  await tm.type('alice', 'the pineapples arrive on Tuesday');
  const pineapples = await numberOf('bob', 'alice', 'the pineapples arrive on Tuesday');
  assert.equal(await numberOf('alice', 'alice', 'the pineapples arrive on Tuesday'), pineapples, 'the same number on both screens');

  // A reply: the quote of the original above it, on both screens.
  await tm.type('bob', `/reply ${pineapples} great, I will tell the kitchen`);
  for (const who of ['alice', 'bob'] as const) {
    const screen = await tm.waitFor(who, /bob │ great, I will tell the kitchen/);
    assert.match(screen, /│ ↳ alice: the pineapples arrive on Tuesday\n\s*\d+ \d\d:\d\d +bob │ great, I will tell the kitchen/, screen);
  }

  // Reactions, typed and as a :shortcode:, under the message with who chose them.
  await tm.type('bob', `/react ${pineapples} 👍`);
  await tm.waitFor('alice', /│ 👍 bob/);
  await tm.type('alice', `/react ${pineapples} :tada:`);
  for (const who of ['alice', 'bob'] as const) {
    const screen = await tm.waitFor(who, /│ 👍 bob {2}🎉 alice/);
    assert.match(screen, /alice │ the pineapples arrive on Tuesday\n\s+│ 👍 bob {2}🎉 alice/, screen);
  }
  // Alice's own reaction is highlighted on her screen (bold, bright yellow), bob's is not.
  const reactionRow = (await screenWithColors('alice')).split('\n').find((l) => l.includes('🎉 alice'))!;
  assert.match(reactionRow, /93m(?:\x1b\[[0-9;]*m)*🎉 alice/, JSON.stringify(reactionRow));
  assert.doesNotMatch(reactionRow, /93m(?:\x1b\[[0-9;]*m)*👍 bob/, JSON.stringify(reactionRow));

  // ↑ in an empty line edits alice's last message; Esc cancels, Enter saves; bob sees the new text marked (edited).
  await tm.type('alice', 'see you at 10');
  const ten = await numberOf('alice', 'alice', 'see you at 10');
  await tm.keys('alice', 'Up');
  await tm.waitFor('alice', new RegExp(`edit ${ten} › see you at 10`));
  await tm.keys('alice', 'Escape');
  await tm.waitFor('alice', /#general › {2}Message #general/);
  // ↑ again, before changing the text, goes on to the input history.
  await tm.keys('alice', 'Up');
  await tm.waitFor('alice', new RegExp(`edit ${ten} › see you at 10`));
  await tm.keys('alice', 'Up');
  await tm.waitFor('alice', /#general › see you at 10$/m);
  await tm.keys('alice', 'C-u');
  await tm.waitFor('alice', /#general › {2}Message #general/);
  await tm.keys('alice', 'Up');
  await tm.waitFor('alice', new RegExp(`edit ${ten} › see you at 10`));
  await tm.keys('alice', 'C-u');
  await tm.type('alice', 'see you at 11 instead');
  await tm.waitFor('alice', /#general › {2}Message #general/);
  for (const who of ['alice', 'bob'] as const) {
    const screen = await tm.waitFor(who, /alice │ see you at 11 instead \(edited\)/);
    assert.doesNotMatch(screen, /see you at 10/);
    assert.match(screen, new RegExp(`${ten} \\d\\d:\\d\\d +alice │ see you at 11 instead`));
  }

  // Deleting asks first, then bob sees "message deleted" in its place.
  await tm.type('alice', 'oops, wrong room');
  const oops = await numberOf('bob', 'alice', 'oops, wrong room');
  await tm.type('alice', `/delete ${oops}`);
  await tm.waitFor('alice', new RegExp(`Delete your message ${oops} "oops, wrong room" for everyone\\? Type /delete ${oops} yes`));
  assert.match(await tm.capture('bob'), /alice │ oops, wrong room/, 'not deleted before the confirmation');
  await tm.type('alice', `/delete ${oops} yes`);
  for (const who of ['alice', 'bob'] as const) {
    const screen = await tm.waitFor(who, new RegExp(`${oops} \\d\\d:\\d\\d +alice │ message deleted`));
    assert.doesNotMatch(screen, /alice │ oops, wrong room/);
  }

  // Typing: bob's unsent text shows "bob is typing…" to alice; it goes when he sends.
  // Bob's first message is room chatter (no bell), the second mentions alice: highlighted, and it rings.
  await tm.type('bob', 'lunch is ready');
  await tm.waitFor('alice', /bob │ lunch is ready/);
  await tm.run('send-keys', '-t', 'bob', '-l', '@alice the review, please');
  await tm.waitFor('alice', /^ {2}bob is typing…/m);
  await tm.keys('bob', 'Enter');
  const mentioned = await tm.waitFor('alice', /bob ┃ @alice the review, please/);
  assert.doesNotMatch(await waitGone('alice', /is typing…/), /is typing…/);
  assert.ok(mentioned);
  const row = (await screenWithColors('alice')).split('\n').find((l) => l.includes('@alice the review, please'))!;
  assert.match(row, /43m(?:\x1b\[[0-9;]*m)* *bob/, `the name on a yellow bar: ${JSON.stringify(row)}`);
  const deadline = Date.now() + 10_000;
  while ((await bellCount()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // One bell: for the mention. "lunch is ready" (shown before the mention was sent) rang none.
  assert.equal(await bellCount(), 1);

  // Tab completes @bob; bob's screen highlights the mention of him.
  await tm.run('send-keys', '-t', 'alice', '-l', 'thanks @b');
  await tm.keys('alice', 'Tab');
  await tm.waitFor('alice', /#general › thanks @bob$/m); // capture-pane drops the trailing space
  await tm.type('alice', 'will do');
  await tm.waitFor('bob', /alice ┃ thanks @bob will do/);

  // Read markers: bob has the room open, so alice soon sees that he has read her last message.
  const screen = await tm.waitFor('alice', /alice │ thanks @bob will do\n\s+│ seen by bob/);
  assert.equal(screen.match(/seen by bob/g)?.length, 1, 'one marker per reader');

  // /topic: in both headers.
  await tm.type('alice', '/topic Sprint 12: ship the reactions');
  for (const who of ['alice', 'bob'] as const) {
    const top = await tm.waitFor(who, /◆ conclave {2}#general — Sprint 12: ship the reactions/);
    assert.match(top.split('\n')[0]!, /#general — Sprint 12: ship the reactions +\d online/);
  }

  // /search finds the first message of the conversation, with its number.
  await tm.type('bob', '/search pineapple');
  await tm.waitFor('bob', new RegExp(`#general {2}${pineapples} {2}alice: the pineapples arrive on Tuesday`));
  // …and /goto brings that message into view, marked with a bar.
  await tm.type('bob', `/goto #general ${pineapples}`);
  await tm.waitFor('bob', /▌.*alice │ the pineapples arrive on Tuesday/);
});
