/**
 * The Windows fallbacks of the CLI, checked on any platform: each function
 * takes the platform (and environment) as parameters, so 'win32' can be asked
 * for on Linux. What they do on a real Windows machine is not tested here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { defaultProfileDir, expandHome, pathComponent, type PlatformEnv } from '../src/profile.js';
import { replaceFile, truncateOpenFile } from '../src/store/files.js';
import { pipedPassword } from '../src/connect.js';
import { readFirstLine } from '../src/admin-commands.js';
import { noTerminalHint } from '../src/commands/chat.js';
import { stopSignals } from '../src/commands/read.js';

const WIN_HOME = 'C:\\Users\\ana';
const WIN_LOCAL = 'C:\\Users\\ana\\AppData\\Local';
const WIN_ROAMING = 'C:\\Users\\ana\\AppData\\Roaming';

function platform(p: Partial<PlatformEnv> & Pick<PlatformEnv, 'platform'>, existing: string[] = []): PlatformEnv {
  return { env: {}, home: '/home/ana', exists: (path) => existing.includes(path), ...p };
}

test('default profile dir on Linux and macOS is unchanged: $XDG_CONFIG_HOME/conclave, else ~/.config/conclave', () => {
  for (const os of ['linux', 'darwin'] as const) {
    assert.equal(defaultProfileDir(platform({ platform: os })), '/home/ana/.config/conclave');
    assert.equal(defaultProfileDir(platform({ platform: os, env: { XDG_CONFIG_HOME: '/xdg' } })), '/xdg/conclave');
    assert.equal(defaultProfileDir(platform({ platform: os, env: { XDG_CONFIG_HOME: '' } })), '/home/ana/.config/conclave');
    // Windows variables mean nothing there.
    assert.equal(defaultProfileDir(platform({ platform: os, env: { LOCALAPPDATA: WIN_LOCAL, APPDATA: WIN_ROAMING } })), '/home/ana/.config/conclave');
  }
});

test('default profile dir on Windows: %LOCALAPPDATA%\\conclave, a profile already in ~\\.config\\conclave kept, $XDG_CONFIG_HOME still honoured', () => {
  const env = { LOCALAPPDATA: WIN_LOCAL, APPDATA: WIN_ROAMING, USERPROFILE: WIN_HOME };
  const win = (e: PlatformEnv['env'], existing: string[] = []) => defaultProfileDir(platform({ platform: 'win32', env: e, home: WIN_HOME }, existing));
  assert.equal(win(env), 'C:\\Users\\ana\\AppData\\Local\\conclave');
  const legacy = 'C:\\Users\\ana\\.config\\conclave';
  assert.equal(win(env, [legacy]), legacy, 'a profile made before the Windows default stays in use');
  assert.equal(win(env, [legacy, 'C:\\Users\\ana\\AppData\\Local\\conclave']), 'C:\\Users\\ana\\AppData\\Local\\conclave');
  assert.equal(win({ APPDATA: WIN_ROAMING }), 'C:\\Users\\ana\\AppData\\Roaming\\conclave', 'roaming only when there is no local folder');
  assert.equal(win({ LOCALAPPDATA: '', APPDATA: WIN_ROAMING }), 'C:\\Users\\ana\\AppData\\Roaming\\conclave');
  assert.equal(win({}), legacy, 'no app data variable at all: the home folder');
  assert.equal(win({ ...env, XDG_CONFIG_HOME: 'D:\\cfg' }), 'D:\\cfg\\conclave');
});

test('--profile-dir: a leading ~ is expanded on Windows only (a POSIX shell has already expanded it)', () => {
  const win = { platform: 'win32' as const, home: WIN_HOME };
  assert.equal(expandHome('~\\chat', win), 'C:\\Users\\ana\\chat');
  assert.equal(expandHome('~/chat', win), 'C:\\Users\\ana/chat');
  assert.equal(expandHome('~', win), WIN_HOME);
  assert.equal(expandHome('~bob\\chat', win), '~bob\\chat', 'another user\'s ~ is not ours to guess');
  assert.equal(expandHome('D:\\p\\~', win), 'D:\\p\\~');
  assert.equal(expandHome('~/chat', { platform: 'linux', home: '/home/ana' }), '~/chat');
});

test('path components: unchanged on Linux; Windows reserved device names and trailing dots get a ~', () => {
  for (const name of ['con', 'Bob.', 'aux.d', 'alice', '[::1]:8443', 'chat.example.org:8443']) {
    assert.equal(pathComponent(name, 'linux'), name.toLowerCase().replace(/[^a-z0-9._-]/g, '_'));
  }
  assert.equal(pathComponent('CON', 'win32'), 'con~');
  assert.equal(pathComponent('nul', 'win32'), 'nul~');
  assert.equal(pathComponent('aux.d', 'win32'), 'aux.d~');
  assert.equal(pathComponent('com1', 'win32'), 'com1~');
  assert.equal(pathComponent('lpt9.x', 'win32'), 'lpt9.x~');
  assert.equal(pathComponent('Bob.', 'win32'), 'bob.~', 'Windows would drop the dot and open bob');
  for (const name of ['alice', 'console', 'conan', 'com', 'com10', 'nully', 'bob.x', '[::1]:8443']) {
    assert.equal(pathComponent(name, 'win32'), pathComponent(name, 'linux'), name);
  }
});

const busy = (code: string) => Object.assign(new Error(code), { code });

test('replaceFile retries a rename refused with EPERM/EACCES/EBUSY on Windows only, then gives up', async () => {
  const pauses: number[] = [];
  const flaky = (failures: number, code = 'EPERM') => {
    let calls = 0;
    const rename = async () => {
      calls++;
      if (calls <= failures) throw busy(code);
    };
    return { rename, calls: () => calls };
  };
  const pause = async (ms: number) => void pauses.push(ms);

  const win = flaky(3);
  await replaceFile('a.tmp', 'a', { platform: 'win32', rename: win.rename, pause });
  assert.equal(win.calls(), 4);
  assert.deepEqual(pauses, [25, 50, 100]);

  for (const code of ['EACCES', 'EBUSY']) {
    const f = flaky(1, code);
    await replaceFile('a.tmp', 'a', { platform: 'win32', rename: f.rename, pause });
    assert.equal(f.calls(), 2, code);
  }

  const linux = flaky(1);
  await assert.rejects(replaceFile('a.tmp', 'a', { platform: 'linux', rename: linux.rename, pause }), { code: 'EPERM' });
  assert.equal(linux.calls(), 1, 'no retry on POSIX: EPERM there is real');

  const other = flaky(1, 'ENOENT');
  await assert.rejects(replaceFile('a.tmp', 'a', { platform: 'win32', rename: other.rename, pause }), { code: 'ENOENT' });
  assert.equal(other.calls(), 1);

  pauses.length = 0;
  const stuck = flaky(100);
  await assert.rejects(replaceFile('a.tmp', 'a', { platform: 'win32', rename: stuck.rename, pause }), { code: 'EPERM' });
  assert.equal(stuck.calls(), 8);
  assert.ok(pauses.reduce((a, b) => a + b, 0) <= 3_000, `gives up within ~3 s (${pauses.join('+')} ms)`);
});

test('truncateOpenFile: an append handle truncates directly; one refused (Windows append handle) truncates by path', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-portability-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'h.log');
  await writeFile(path, 'line one\ntorn');
  const handle = await open(path, 'a+');
  try {
    await truncateOpenFile(handle, path, 9);
    assert.equal(await readFile(path, 'utf8'), 'line one\n');
    await writeFile(path, 'line one\nline two\ntorn');
    const refused = { truncate: async () => Promise.reject(busy('EPERM')) };
    await truncateOpenFile(refused, path, 18);
    assert.equal(await readFile(path, 'utf8'), 'line one\nline two\n');
    await handle.write('line three\n'); // the append handle still appends at the (new) end
    assert.equal(await readFile(path, 'utf8'), 'line one\nline two\nline three\n');
    await assert.rejects(truncateOpenFile({ truncate: async () => Promise.reject(busy('EIO')) }, path, 0), { code: 'EIO' });
  } finally {
    await handle.close();
  }
});

test('a piped password: first line without \\n or \\r\\n, without a byte-order mark', async () => {
  assert.equal(pipedPassword('secret\n'), 'secret');
  assert.equal(pipedPassword('secret\r\nignored\r\n'), 'secret');
  assert.equal(pipedPassword('\uFEFFsecret\r\n'), 'secret');
  assert.equal(pipedPassword('secret'), 'secret');
  assert.equal(pipedPassword('secret\r'), 'secret');
  assert.equal(pipedPassword('\r\n'), undefined);
  assert.equal(pipedPassword(''), undefined);
  assert.equal(pipedPassword('tr\u00e4iling \r\n'), 'tr\u00e4iling ', 'spaces are the user\'s');
  const first = (...chunks: string[]) => readFirstLine(Readable.from(chunks.map((c) => Buffer.from(c))));
  assert.equal(await first('\uFEFFpw\r\npw\r\n'), 'pw');
  assert.equal(await first('pw\r\n'), 'pw');
});

test('chat without a terminal: a winpty hint under Git Bash/mintty on Windows only', () => {
  assert.match(noTerminalHint('win32', { MSYSTEM: 'MINGW64' }), /winpty conclave chat/);
  assert.match(noTerminalHint('win32', { TERM_PROGRAM: 'mintty' }), /winpty/);
  assert.equal(noTerminalHint('win32', {}), '');
  assert.equal(noTerminalHint('linux', { MSYSTEM: 'MINGW64' }), '');
});

test('read --follow also stops cleanly on Ctrl-Break (SIGBREAK) on Windows', () => {
  assert.deepEqual(stopSignals('linux'), ['SIGINT', 'SIGTERM']);
  assert.deepEqual(stopSignals('darwin'), ['SIGINT', 'SIGTERM']);
  assert.deepEqual(stopSignals('win32'), ['SIGINT', 'SIGTERM', 'SIGBREAK']);
});
