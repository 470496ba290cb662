import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance, helpLines, inviteCodeIn, inviteLink, parseCommand, type Command } from '../src/index.js';

function hint(line: string): string {
  const c = parseCommand(line);
  assert.equal(c.kind, 'invalid', `${line} should be invalid, got ${JSON.stringify(c)}`);
  return c.kind === 'invalid' ? `${c.message} ${c.usage ?? ''}` : '';
}

test('plain text is a message to the current conversation', () => {
  assert.deepEqual(parseCommand('hello there'), { kind: 'text', text: 'hello there' });
  assert.deepEqual(parseCommand('  indented stays indented'), { kind: 'text', text: '  indented stays indented' });
});

test('a double slash sends a literal leading slash', () => {
  assert.deepEqual(parseCommand('//shrug'), { kind: 'text', text: '/shrug' });
});

test('a blank line does nothing', () => {
  assert.deepEqual(parseCommand('   '), { kind: 'empty' });
  assert.deepEqual(parseCommand(''), { kind: 'empty' });
});

test('simple commands parse, case-insensitively', () => {
  const cases: [string, Command][] = [
    ['/help', { kind: 'help', topic: null }],
    ['/HELP msg', { kind: 'help', topic: 'msg' }],
    ['/help /whisper', { kind: 'help', topic: 'msg' }],
    ['/who', { kind: 'who' }],
    ['/rooms', { kind: 'rooms' }],
    ['/logout', { kind: 'logout' }],
    ['/quit', { kind: 'quit' }],
    ['/exit', { kind: 'quit' }],
  ];
  for (const [line, expected] of cases) assert.deepEqual(parseCommand(line), expected, line);
});

test('/msg and /whisper send a private message, keeping the text as typed', () => {
  assert.deepEqual(parseCommand('/msg bob hi  there '), { kind: 'msg', user: 'bob', text: 'hi  there' });
  assert.deepEqual(parseCommand('/whisper bob psst'), { kind: 'msg', user: 'bob', text: 'psst' });
});

test('/msg with only a user switches to the DM', () => {
  assert.deepEqual(parseCommand('/msg bob'), { kind: 'msg', user: 'bob', text: null });
  assert.deepEqual(parseCommand('/msg bob   '), { kind: 'msg', user: 'bob', text: null });
});

test('/msg without a user gives the usage line', () => {
  assert.match(hint('/msg'), /Usage: \/msg USER \[TEXT\]/);
});

test('/msg to a room points at /join', () => {
  assert.match(hint('/msg #general hi'), /\/join #general/);
});

test('/join normalises the room name and rejects bad ones', () => {
  assert.deepEqual(parseCommand('/join #Random'), { kind: 'join', room: '#Random' });
  assert.deepEqual(parseCommand('/join random'), { kind: 'join', room: '#random' });
  assert.match(hint('/join'), /Usage: \/join #ROOM/);
  assert.match(hint('/join #no!pe'), /not a valid room name/);
  assert.match(hint('/join two words'), /no spaces/);
});

test('/leave takes an optional room', () => {
  assert.deepEqual(parseCommand('/leave'), { kind: 'leave', room: null });
  assert.deepEqual(parseCommand('/leave #random'), { kind: 'leave', room: '#random' });
  assert.deepEqual(parseCommand('/part random'), { kind: 'leave', room: '#random' });
});

test('/invite takes optional hours within the server limit', () => {
  assert.deepEqual(parseCommand('/invite'), { kind: 'invite', hours: null });
  assert.deepEqual(parseCommand('/invite 48'), { kind: 'invite', hours: 48 });
  assert.match(hint('/invite soon'), /HOURS/);
  assert.match(hint('/invite 1000'), /720/);
});

test('/verify shows the safety number, and /verify USER yes confirms it', () => {
  assert.deepEqual(parseCommand('/verify bob'), { kind: 'verify', user: 'bob', confirm: false });
  assert.deepEqual(parseCommand('/verify @bob'), { kind: 'verify', user: 'bob', confirm: false });
  assert.deepEqual(parseCommand('/verify bob yes'), { kind: 'verify', user: 'bob', confirm: true });
  assert.deepEqual(parseCommand('/VERIFY bob YES '), { kind: 'verify', user: 'bob', confirm: true });
});

test('/verify without a user, with a room or with another word gives the usage line', () => {
  assert.match(hint('/verify'), /Verify whom\?.*Usage: \/verify USER \[yes\]/);
  assert.match(hint('/verify #general'), /is a room.*Usage: \/verify USER \[yes\]/);
  assert.match(hint('/verify b!b'), /not a valid username/);
  assert.match(hint('/verify bob sure'), /\/verify bob yes" only once the safety numbers match.*Usage: \/verify USER \[yes\]/);
});

test('/devices lists yours by default, or a named user\'s', () => {
  assert.deepEqual(parseCommand('/devices'), { kind: 'devices', user: null });
  assert.deepEqual(parseCommand('/devices bob'), { kind: 'devices', user: 'bob' });
  assert.deepEqual(parseCommand('/devices @bob'), { kind: 'devices', user: 'bob' });
  assert.match(hint('/devices bob carol'), /Usage: \/devices \[USER\]/);
  assert.match(hint('/devices #random'), /is a room/);
});

test('a mistyped command suggests the closest one', () => {
  assert.match(hint('/hepl'), /Unknown command \/hepl\. Did you mean \/help\?/);
  assert.match(hint('/jion #x'), /Did you mean \/join\?/);
  assert.match(hint('/whipser bob hi'), /Did you mean \/whisper\?/);
  assert.match(hint('/roms'), /Did you mean \/rooms\?/);
  assert.match(hint('/logut'), /Did you mean \/logout\?/);
  assert.match(hint('/verfiy bob'), /Did you mean \/verify\?/);
  assert.match(hint('/device'), /Did you mean \/devices\?/);
});

test('an unrelated command only points at /help', () => {
  const text = hint('/xyzzy');
  assert.doesNotMatch(text, /Did you mean/);
  assert.match(text, /Type \/help/);
});

test('a lone slash explains itself', () => {
  assert.match(hint('/'), /Type a command/);
});

test('the parser never throws on odd input', () => {
  for (const line of ['/', '/ ', '/\t', '/msg \u0000', '/join ####', '/invite -1', '/help ???', '/verify', '/verify @', '/devices @@', '\u{1F600}', '/'.repeat(5000)]) {
    assert.doesNotThrow(() => parseCommand(line), line);
  }
});

test('help lists every command aligned, or explains one', () => {
  const lines = helpLines();
  assert.ok(lines.some((l) => l.startsWith('/msg USER [TEXT]')));
  assert.ok(lines.some((l) => l.startsWith('/invite [HOURS]')));
  assert.ok(lines.some((l) => l.startsWith('/verify USER [yes]') && l.includes('safety number')));
  assert.ok(lines.some((l) => l.startsWith('/devices [USER]') && l.includes('fingerprints')));
  assert.deepEqual(helpLines('msg'), ['/msg USER [TEXT] — private message; without TEXT, switch to the conversation with USER', 'also: /whisper, /query']);
});

test('edit distance counts a swap as one edit', () => {
  assert.equal(editDistance('hepl', 'help'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(closest('qq', ['help', 'who']), null);
});

test('the familiar aliases: /query is /msg, /j is /join, /names is /who', () => {
  assert.deepEqual(parseCommand('/query bob hi'), parseCommand('/msg bob hi'));
  assert.deepEqual(parseCommand('/query bob'), parseCommand('/msg bob'));
  assert.deepEqual(parseCommand('/j #ops'), parseCommand('/join #ops'));
  assert.deepEqual(parseCommand('/names'), { kind: 'who' });
  assert.match(helpLines('join').join('\n'), /also: \/j/);
});

test('invite links carry the code in the fragment, and the page reads it back', () => {
  assert.equal(inviteLink('wss://chat.example:8443/ws', 'AB12-CD34'), 'https://chat.example:8443/#/register?invite=AB12-CD34');
  assert.equal(inviteLink('ws://127.0.0.1:9000/ws', 'a b/c'), 'http://127.0.0.1:9000/#/register?invite=a%20b%2Fc');
  assert.equal(inviteCodeIn('#/register?invite=a%20b%2Fc'), 'a b/c');
  assert.equal(inviteCodeIn('#/register?invite=AB12-CD34'), 'AB12-CD34');
  for (const fragment of ['', '#', '#/register', '#/register?invite=', '#/register?invite=%E0%A4%A', '#/sign-in?invite=X']) {
    assert.equal(inviteCodeIn(fragment), undefined, fragment);
  }
});
