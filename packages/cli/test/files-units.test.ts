import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asBlobId, type ConversationId, type UserId } from '@conclave/protocol';
import { ConclaveError, type ChatMessage, type ChatModel, type MessageItem } from '@conclave/client';
import { blobBasePath } from '../src/blob-transport.js';
import { sendAction } from '../src/commands/send.js';
import { ChatFiles } from '../src/files/chat-files.js';
import { fileTag } from '../src/files/describe.js';
import { expandPath, imageOf } from '../src/files/local-file.js';
import { progressText } from '../src/files/progress.js';
import { numberedName, safeFileName, saveDownload } from '../src/files/save.js';
import { formatReadJson, formatReadLine } from '../src/format.js';
import { layoutPane } from '../src/tui/pane.js';
import { parseServerAddress } from '../src/url.js';

/** The terminal's file helpers, without a server: names, lines, progress, saving. */

test('a sender\'s file name is made safe to create: no separators, leading dots, control or bidi characters, Windows names', () => {
  assert.equal(safeFileName('report.pdf'), 'report.pdf');
  assert.equal(safeFileName('../../etc/passwd'), '_.._etc_passwd');
  assert.equal(safeFileName('..\\..\\boot.ini'), '_.._boot.ini');
  assert.equal(safeFileName('.bashrc'), 'bashrc');
  assert.equal(safeFileName('...'), 'file');
  assert.equal(safeFileName(''), 'file');
  assert.equal(safeFileName('a\u0000b\u001b[31mc\u007f.txt'), 'ab[31mc.txt');
  assert.equal(safeFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
  assert.equal(safeFileName('what?: "this" <is> | it*.txt'), 'what__ _this_ _is_ _ it_.txt');
  assert.equal(safeFileName('con.txt'), '_con.txt');
  assert.equal(safeFileName('notes. '), 'notes');
  const long = safeFileName(`${'é'.repeat(300)}.pdf`);
  assert.ok(Buffer.byteLength(long) <= 255 && long.endsWith('.pdf'), long);
  assert.equal(numberedName('report.pdf', 1), 'report (1).pdf');
  assert.equal(numberedName('archive.tar.gz', 2), 'archive.tar (2).gz');
  assert.equal(numberedName('README', 3), 'README (3)');
});

test('saveDownload keeps a file only when the fetch succeeds, never overwrites, and leaves no temporary file', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'conclave-save-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'new', 'folder');
  const fetch = (parts: string[]) => async (write: (b: Uint8Array) => Promise<void>) => {
    for (const p of parts) await write(Buffer.from(p));
    return 'done';
  };
  const first = await saveDownload(dir, '../a.txt', fetch(['he', 'llo']));
  assert.deepEqual(first, { path: join(dir, '_a.txt'), result: 'done' });
  assert.equal(await readFile(first.path, 'utf8'), 'hello');
  const second = await saveDownload(dir, '../a.txt', fetch(['again']));
  assert.equal(second.path, join(dir, '_a (1).txt'));
  assert.equal(await readFile(first.path, 'utf8'), 'hello', 'the first one is kept');
  const corrupt = saveDownload(dir, 'bad.bin', async (write) => {
    await write(Buffer.from('partial'));
    throw new ConclaveError('CONCLAVE_ERR_FILE_CORRUPT');
  });
  await assert.rejects(corrupt, (err: unknown) => err instanceof ConclaveError && err.code === 'CONCLAVE_ERR_FILE_CORRUPT');
  assert.deepEqual((await readdir(dir)).sort(), ['_a (1).txt', '_a.txt'], 'nothing of the corrupt file, no temporary file');
  await writeFile(join(root, 'plain-file'), 'x');
  await assert.rejects(saveDownload(join(root, 'plain-file'), 'x', fetch(['x'])), /cannot save into .*plain-file: it is not a folder/);
});

test('file tags, progress lines and paths as the terminal shows them', () => {
  assert.equal(fileTag({ name: 'report.pdf', size: 1_234_567 }), '[file: report.pdf, 1.2 MB]');
  assert.equal(fileTag({ name: 'report.pdf', size: 1_234_567 }, 3), '[file 3: report.pdf, 1.2 MB]');
  assert.equal(fileTag({ name: 'cat.jpg', size: 210_000, image: { width: 1024, height: 768 } }, 4), '[image 4: cat.jpg, 1024×768, 210 kB]');
  assert.equal(fileTag({ name: 'a\u001b[2Jb', size: 12 }), '[file: a[2Jb, 12 B]');
  assert.equal(progressText('uploading', 'report.pdf', 450, 1000, 2_400_000), 'uploading report.pdf… 45 % (1.1 of 2.4 MB)');
  assert.equal(progressText('downloading', 'x', 1, 1000, 2_400_000), 'downloading x… 0 % (2.4 kB of 2.4 MB)');
  assert.equal(progressText('sending', 'report.pdf', 1000, 1000, 2_400_000), 'sending report.pdf…');
  assert.equal(expandPath('~/a/b.txt', '/home/me'), '/home/me/a/b.txt');
  assert.equal(expandPath('~', '/home/me'), '/home/me');
  assert.equal(expandPath('/abs/~x', '/home/me'), '/abs/~x');
  assert.equal(expandPath('rel.txt', '/home/me'), join(process.cwd(), 'rel.txt'));
  assert.equal(blobBasePath(parseServerAddress('chat.example.org')), '/api/blobs');
  assert.equal(blobBasePath(parseServerAddress('wss://example.org:443/conclave/ws')), '/conclave/api/blobs');
});

test('an image\'s type and size come from its header; other bytes are no image', () => {
  const png = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
  png.writeUInt32BE(13, 8);
  png.write('IHDR', 12, 'ascii');
  png.writeUInt32BE(640, 16);
  png.writeUInt32BE(480, 20);
  assert.deepEqual(imageOf(png), { mime: 'image/png', width: 640, height: 480 });
  assert.equal(imageOf(Buffer.from('%PDF-1.7 not an image')), null);
  assert.equal(imageOf(new Uint8Array(0)), null);
  assert.equal(imageOf(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>')), null, 'SVG is not shown as an image');
});

test('send --file: a caption from the words, a reply allowed, acts on a message refused', () => {
  assert.deepEqual(sendAction(['the', 'report'], { file: 'r.pdf' }), { kind: 'file', path: 'r.pdf', caption: 'the report' });
  assert.deepEqual(sendAction([], { file: 'r.pdf', replyTo: 4 }), { kind: 'file', path: 'r.pdf', replyTo: 4 });
  assert.throws(() => sendAction([], { file: 'r.pdf', edit: 4 }), /--file sends a new message: it does not go with --edit/);
  assert.throws(() => sendAction([], { file: ' ' }), /--file needs the path of a file/);
});

const GENERAL = 'c-general' as ConversationId;
const file = { blob: asBlobId('ab'.repeat(32)), key: 'k'.repeat(43) + '=', name: 'report.pdf', mime: 'application/pdf', size: 1_234_567 };
const message = (over: Partial<ChatMessage>): ChatMessage => ({
  conversationId: GENERAL,
  conversation: { conversationId: GENERAL, kind: 'room', name: '#general' } as ChatMessage['conversation'],
  seq: 12,
  sender: { userId: 'u-alice' as UserId, username: 'alice' },
  sentAt: new Date(2026, 0, 5, 9, 14).getTime(),
  text: 'numbers for Q3',
  kind: 'file',
  file,
  ...over,
}) as ChatMessage;

test('read lines for a file: plain with its tag, JSON with name/size and, once saved, path and digest — never the key', () => {
  assert.equal(formatReadLine(message({})), '[#general] 12 09:14 alice: [file: report.pdf, 1.2 MB] numbers for Q3');
  assert.equal(formatReadLine(message({ text: '' }), { path: '/d/report.pdf', sha256: 'f'.repeat(64) }), '[#general] 12 09:14 alice: [file: report.pdf, 1.2 MB] (saved to /d/report.pdf)');
  const json = JSON.parse(formatReadJson(message({}), undefined, { path: '/d/report.pdf', sha256: 'f'.repeat(64) })) as Record<string, unknown>;
  assert.deepEqual(
    { kind: json.kind, name: json.name, size: json.size, caption: json.caption, path: json.path, sha256: json.sha256, mime: json.mime },
    { kind: 'file', name: 'report.pdf', size: 1_234_567, caption: 'numbers for Q3', path: '/d/report.pdf', sha256: 'f'.repeat(64), mime: 'application/pdf' },
  );
  const bare = formatReadJson(message({ text: '' }));
  assert.ok(!bare.includes(file.key) && !bare.includes(file.blob), 'neither the key nor the blob id is printed');
  assert.ok(!('caption' in (JSON.parse(bare) as object)) && !('path' in (JSON.parse(bare) as object)));
  assert.equal(formatReadLine(message({ deleted: true, file: undefined, text: '' })), '[#general] 12 09:14 alice: (message deleted)');
});

test('the chat pane: a file line with its number and caption; your own file being sent with its progress', () => {
  const at = new Date(2026, 0, 5, 12, 3).getTime();
  const items: MessageItem[] = [
    { kind: 'message', key: `${GENERAL}:3`, seq: 3, at, sender: 'bob', text: 'the *draft*', mine: false, file: { name: 'report.pdf', mime: 'application/pdf', size: 1_234_567, attachment: file } },
    {
      kind: 'message',
      key: 'f1',
      seq: Number.MAX_SAFE_INTEGER,
      at,
      sender: 'alice',
      text: '',
      mine: true,
      status: 'pending',
      file: { name: 'cat.jpg', mime: 'image/jpeg', size: 2_400_000, image: { width: 1024, height: 768 } },
      transfer: { stage: 'uploading', doneBytes: 450, totalBytes: 1000 },
    },
  ];
  const shown = layoutPane(items, 100, 10, 0, '')
    .lines.map((l) => l.segments.map((s) => s.text).join(''))
    .filter((l) => l.trim() !== '' && !l.includes('January'));
  assert.deepEqual(shown, [
    '3 12:03    bob │ [file 3: report.pdf, 1.2 MB] the draft',
    '  12:03  alice │ ⧗ [image: cat.jpg, 1024×768, 2.4 MB]',
    '               │ uploading cat.jpg… 45 % (1.1 of 2.4 MB) — /cancel stops it',
  ]);
});

test('/cancel stops the newest transfer: a download (nothing saved) or your own file being sent', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'conclave-cancel-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const said: string[] = [];
  const cancelled: string[] = [];
  const model = {
    system: (text: string) => said.push(text),
    cancelTransfer: (key: string) => cancelled.push(key),
    client: {
      // A download that goes on until it is aborted.
      downloadFile: (_f: unknown, write: (b: Uint8Array) => Promise<void>, options: { signal: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          void write(Buffer.from('partial'));
          const stop = () => reject(new ConclaveError('CONCLAVE_ERR_CANCELLED'));
          if (options.signal.aborted) stop();
          else options.signal.addEventListener('abort', stop);
        }),
    },
  };
  const files = new ChatFiles(root);
  files.attach(model as unknown as ChatModel);
  assert.equal(files.cancelNewest([]), false, 'nothing to cancel');
  const at = Date.now() - 60_000;
  const sending: MessageItem = {
    kind: 'message',
    key: 'f1',
    seq: Number.MAX_SAFE_INTEGER,
    at,
    sender: 'alice',
    text: '',
    mine: true,
    status: 'pending',
    file: { name: 'cat.jpg', mime: 'image/jpeg', size: 10 },
    transfer: { stage: 'uploading', doneBytes: 1, totalBytes: 10 },
  };
  const received: MessageItem = { kind: 'message', key: `${GENERAL}:3`, seq: 3, at, sender: 'bob', text: '', mine: false, file: { name: 'report.pdf', mime: 'application/pdf', size: 10, attachment: file } };
  await files.download(received, null, GENERAL);
  assert.equal(files.downloads().length, 1);
  assert.match(ChatFiles.line(files.downloads()[0]!), /^downloading report\.pdf… 0 % /);
  // The download started after the upload: it is the newest.
  assert.equal(files.cancelNewest([sending]), true);
  while (files.downloads().length > 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(said, ['Download of report.pdf cancelled; nothing was saved.']);
  assert.deepEqual(await readdir(join(root, 'Downloads')), [], 'no file, no temporary file');
  assert.equal(files.cancelNewest([sending]), true);
  assert.deepEqual(cancelled, ['f1']);
  assert.equal(said[1], 'Upload of cat.jpg cancelled.');
});
