import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { certificateFingerprint, fingerprintToHex, normalizeFingerprint } from '../src/tls/fingerprint.js';
import { parseServerAddress } from '../src/url.js';
import { oneLine } from '../src/errors.js';
import { ConclaveError } from '@conclave/client';
import * as ed from '../src/tui/editor.js';
import { textWidth, wrap } from '../src/tui/layout.js';

test('server addresses: bare host, host:port, https and wss forms, default port 8443', () => {
  const cases: [string, string, string][] = [
    ['chat.example.org', 'wss://chat.example.org:8443/ws', 'chat.example.org:8443'],
    ['chat.example.org:9000', 'wss://chat.example.org:9000/ws', 'chat.example.org:9000'],
    ['https://chat.example.org', 'wss://chat.example.org:8443/ws', 'chat.example.org:8443'],
    ['https://chat.example.org:443/', 'wss://chat.example.org:443/ws', 'chat.example.org:443'],
    ['wss://10.0.0.2:8443/ws', 'wss://10.0.0.2:8443/ws', '10.0.0.2:8443'],
    ['[::1]:8443', 'wss://[::1]:8443/ws', '[::1]:8443'],
    ['  localhost  ', 'wss://localhost:8443/ws', 'localhost:8443'],
  ];
  for (const [input, wsUrl, key] of cases) {
    const addr = parseServerAddress(input);
    assert.equal(addr.wsUrl, wsUrl, input);
    assert.equal(addr.key, key, input);
  }
  assert.equal(parseServerAddress('[::1]:8443').host, '::1');
});

test('server addresses: plaintext schemes, credentials and bad ports are refused', () => {
  assert.throws(() => parseServerAddress('http://host'), /TLS/);
  assert.throws(() => parseServerAddress('ws://host/ws'), /TLS/);
  assert.throws(() => parseServerAddress('ftp://host'), /unsupported/);
  assert.throws(() => parseServerAddress('https://bob:pw@host'), /--user/);
  assert.throws(() => parseServerAddress('host:99999'), /not a valid server address/);
  assert.throws(() => parseServerAddress(''), /no server address/);
});

test('fingerprints: ssh style over the DER bytes, and normalisation of pasted forms', () => {
  const der = Buffer.from('not really a certificate');
  const digest = createHash('sha256').update(der).digest();
  const fp = certificateFingerprint(der);
  assert.equal(fp, `SHA256:${digest.toString('base64').replace(/=+$/, '')}`);
  assert.doesNotMatch(fp, /=/);
  const hexColons = [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  assert.equal(fingerprintToHex(fp), hexColons);
  for (const form of [fp, `${fp}=`, `sha256:${fp.slice(7)}`, hexColons, hexColons.toLowerCase(), hexColons.replace(/:/g, ''), `SHA-256 ${hexColons}`]) {
    assert.equal(normalizeFingerprint(form), fp, form);
  }
  for (const bad of ['', 'SHA256:short', 'MD5:aa:bb', 'zz'.repeat(32)]) assert.equal(normalizeFingerprint(bad), null, bad);
});

test('errors become one lower-case line without a trailing period', () => {
  assert.equal(oneLine(new ConclaveError('CONCLAVE_ERR_BAD_CREDENTIALS')), 'wrong username or password');
  assert.equal(oneLine(new Error('boom\n    at stack')), 'unexpected error: boom');
});

test('the input line edits by code point, with word and line kills', () => {
  let line = ed.insert(ed.emptyLine, 'héllo wörld');
  line = ed.backspace(line);
  assert.equal(ed.textOf(line), 'héllo wörl');
  line = ed.deleteWordBack(line);
  assert.equal(ed.textOf(line), 'héllo ');
  line = ed.move(line, 1);
  line = ed.insert(line, '😀');
  assert.equal(ed.textOf(line), 'h😀éllo ');
  assert.equal(ed.textOf(ed.killToStart(line)), 'éllo ');
  assert.equal(ed.textOf(ed.killToEnd(line)), 'h😀');
  assert.equal(ed.textOf(ed.insert(ed.emptyLine, 'a\u0007b\nc')), 'ab c', 'control characters are dropped');
});

test('a password typed with /adduser is not kept in the input history', () => {
  const h = ed.remember(ed.emptyHistory, '/adduser bob correct-horse-battery-9');
  assert.deepEqual(h.entries, ['/adduser bob']);
  assert.deepEqual(ed.remember(h, '/adduser carol').entries, ['/adduser bob', '/adduser carol']);
});

test('history browses up and down and restores the draft', () => {
  let h = ed.remember(ed.remember(ed.emptyHistory, 'first'), 'second');
  let line = ed.lineOf('draft');
  [h, line] = ed.browse(h, line, -1);
  assert.equal(ed.textOf(line), 'second');
  [h, line] = ed.browse(h, line, -1);
  assert.equal(ed.textOf(line), 'first');
  [h, line] = ed.browse(h, line, -1);
  assert.equal(ed.textOf(line), 'first', 'stops at the oldest');
  [h, line] = ed.browse(h, line, 1);
  [h, line] = ed.browse(h, line, 1);
  assert.equal(ed.textOf(line), 'draft');
});

test('wrapping breaks at spaces, splits long words and respects wide characters', () => {
  assert.deepEqual(wrap('the quick brown fox', 10), ['the quick', 'brown fox']);
  assert.deepEqual(wrap('abcdefghijkl', 5), ['abcde', 'fghij', 'kl']);
  assert.deepEqual(wrap('one\ntwo', 10), ['one', 'two']);
  for (const l of wrap('漢字漢字漢字 漢字', 5)) assert.ok(textWidth(l) <= 5, l);
});
