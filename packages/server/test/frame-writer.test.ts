import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { FRAGMENT_BYTES, FrameWriter, LARGE_FRAME_BYTES } from '../src/ws/frame-writer.js';

/**
 * The server's frame writer over a real WebSocket pair: large frames go out in
 * pieces (RFC 6455 fragmentation) and arrive whole, with every frame in the
 * order written, none interleaved.
 */
test('large frames arrive whole and in order among small ones, written in pieces', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  t.after(() => wss.close());
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  t.after(() => client.terminate());
  const received: string[] = [];
  client.on('message', (data, isBinary) => {
    assert.equal(isBinary, false);
    received.push(data.toString());
  });
  await new Promise((resolve) => client.once('open', resolve));
  const server = await accepted;
  // What goes on the wire: each `send` is one WebSocket frame; `fin: false` marks a piece of a larger message.
  const sent: Array<{ bytes: number; fin: boolean }> = [];
  const send = server.send.bind(server);
  server.send = ((data: string | Buffer, options: { fin?: boolean }, cb?: (err?: Error) => void) => {
    sent.push({ bytes: Buffer.byteLength(data), fin: options.fin !== false });
    send(data, options, cb);
  }) as typeof server.send;

  const writer = new FrameWriter(server);
  const big = (fill: string) => JSON.stringify({ type: 'welcome', welcome: fill.repeat(LARGE_FRAME_BYTES * 3) });
  const frames = [
    JSON.stringify({ type: 'pong', n: 1 }),
    big('A'),
    JSON.stringify({ type: 'pong', n: 2 }),
    Buffer.from(big('é')), // multi-byte UTF-8 split across pieces
    JSON.stringify({ type: 'pong', n: 3 }),
  ];
  writer.write(frames[0]!);
  writer.write(frames[1]!);
  assert.ok(writer.streaming, 'the large frame is being written in pieces');
  writer.write(frames[2]!);
  writer.write(frames[3]!);
  writer.write(frames[4]!);
  assert.ok(writer.pendingBytes > LARGE_FRAME_BYTES, 'frames waiting behind it are counted');

  const deadline = Date.now() + 10_000;
  while (received.length < frames.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(received, frames.map((f) => f.toString()), 'every frame whole, in the order written');
  assert.equal(writer.streaming, false);
  assert.equal(writer.pendingBytes, 0);
  // Two small frames, then each large one as pieces of FRAGMENT_BYTES (the last one shorter), then the rest.
  const pieces = sent.filter((f) => f.bytes === FRAGMENT_BYTES && !f.fin).length;
  assert.ok(pieces >= 2 * Math.floor((LARGE_FRAME_BYTES * 3) / FRAGMENT_BYTES) - 2, `large frames went out in pieces: ${JSON.stringify(sent.slice(0, 4))}`);
  assert.ok(sent.every((f) => f.bytes <= Math.max(FRAGMENT_BYTES, 100)), 'no write larger than a piece');
});
