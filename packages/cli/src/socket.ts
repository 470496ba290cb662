import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { LIMITS } from '@conclave/protocol';
import type { ClientSocket, SocketFactory } from '@conclave/client';
import { pinMismatch, type Trust } from './tls/trust.js';

/**
 * A `SocketFactory` over Node's `ws` that enforces `trust` on every
 * (re)connect: with a pin, the certificate is checked on the HTTP upgrade,
 * before the socket opens and before any frame (hence the token) is sent;
 * a mismatch terminates it with a fatal `CONCLAVE_ERR_UNTRUSTED_SERVER`.
 */
export function nodeSocketFactory(trust: Trust): SocketFactory {
  return (url) => {
    const ws = new WebSocket(url, {
      rejectUnauthorized: trust.mode === 'ca',
      handshakeTimeout: 10_000,
      maxPayload: LIMITS.maxFrameBytes * 4,
      perMessageDeflate: false,
    });
    const socket: ClientSocket = {
      send: (text) => ws.send(text),
      close: (code, reason) => {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(code, reason);
      },
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    if (trust.mode === 'pinned') {
      ws.on('upgrade', (res) => {
        const mismatch = pinMismatch(trust, res.socket as TLSSocket);
        if (mismatch === null) return;
        socket.onerror?.(mismatch);
        ws.terminate();
      });
    }
    ws.on('open', () => socket.onopen?.());
    ws.on('message', (data, isBinary) => {
      if (!isBinary) socket.onmessage?.((Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8'));
    });
    ws.on('error', (err: Error & { code?: string }) => socket.onerror?.(new Error(err.code ?? err.message)));
    ws.on('close', (code, reason) => socket.onclose?.(code, reason.toString()));
    return socket;
  };
}
