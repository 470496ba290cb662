import type { WebSocket } from 'ws';

/**
 * Sets the largest message a WebSocket accepts, in bytes, for this socket
 * alone. ws's `maxPayload` is one value per server, checked as each frame
 * header arrives (a frame over it closes the socket with 1009 before its
 * payload is read); here the same check is given a per-connection bound:
 * `LIMITS.maxPreAuthFrameBytes` until the connection authenticates, so an
 * unauthenticated peer cannot make the server buffer more than that per
 * socket, then the server-wide `LIMITS.maxFrameBytes`.
 *
 * It sets ws's receiver field (`_receiver._maxPayload`, not public API; ws 8
 * has it on every open WebSocket). Where it is absent nothing changes and the
 * server-wide bound applies, with the gateway's size check on each whole
 * message before authentication.
 * @returns whether the bound was set.
 */
export function setMaxPayload(ws: WebSocket, bytes: number): boolean {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } | null })._receiver;
  if (receiver === undefined || receiver === null || typeof receiver._maxPayload !== 'number') return false;
  receiver._maxPayload = bytes;
  return true;
}
