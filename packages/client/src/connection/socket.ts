/**
 * The one thing the core needs from a WebSocket. A platform adapter fills in
 * the callbacks' wiring: the browser's `WebSocket` fits with `adaptWebSocket`,
 * Node's `ws` package with a few lines in the terminal client.
 *
 * Contract: after `onclose` nothing else is called; `onerror` may come before
 * `onclose` (or alone, when the socket could not be opened — then the adapter
 * must still call `onclose`). An `Error` given to `onerror` that is a fatal
 * `ConclaveError` (e.g. a changed certificate) stops reconnection.
 */
export interface ClientSocket {
  /** Sends one text frame. Only called after `onopen`. */
  send(text: string): void;
  /** Starts the closing handshake (or drops the connection); `onclose` follows. */
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  onmessage: ((text: string) => void) | null;
  onclose: ((code: number, reason: string) => void) | null;
  onerror: ((error: Error) => void) | null;
}

/** Opens a socket to `url` (a `wss://…/ws` address). Must not throw: report failures through `onerror`/`onclose`. */
export type SocketFactory = (url: string) => ClientSocket;

/** The subset of the browser's `WebSocket` that `adaptWebSocket` uses. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/**
 * A `SocketFactory` over a browser-style WebSocket constructor:
 * `adaptWebSocket((url) => new WebSocket(url))`.
 */
export function adaptWebSocket(open: (url: string) => WebSocketLike): SocketFactory {
  return (url) => {
    const ws = open(url);
    const socket: ClientSocket = {
      send: (text) => ws.send(text),
      close: (code, reason) => ws.close(code, reason),
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    ws.onopen = () => socket.onopen?.();
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') socket.onmessage?.(ev.data);
    };
    ws.onclose = (ev) => socket.onclose?.(ev.code, ev.reason);
    ws.onerror = () => socket.onerror?.(new Error('WebSocket error'));
    return socket;
  };
}
