import { WebSocket } from 'ws';
import { TickCork } from './tick-cork.js';

/** A frame longer than this (bytes) is written in fragments (`FRAGMENT_BYTES`) rather than at once. */
export const LARGE_FRAME_BYTES = 64 * 1024;
/** The size of each fragment of a large frame, bytes: one TLS record's worth of data (RFC 8446 §5.1: 2^14). */
export const FRAGMENT_BYTES = 16 * 1024;

/**
 * Writes a connection's text frames in order. Small frames go out at once,
 * a tick's worth batched into one `writev` (`TickCork`). A large frame (a
 * big room's Commit, Welcome or GroupInfo) goes out as a fragmented message
 * (RFC 6455 §5.4): one `FRAGMENT_BYTES` piece at a time, each written once the
 * one before has been. Frames sent meanwhile wait behind it, since data
 * frames of two messages may not interleave.
 *
 * Why: Node's TLS keeps, per socket, buffers as large as the largest write it
 * encrypted at once. A 300 KB frame to each of 300 sockets left ~495 KiB of
 * RSS per socket until the socket closed; written 16 KiB at a time, 151 KiB.
 * A 1 000-member room's setup (each Commit to every member) had left the
 * server at ~474 MiB.
 */
export class FrameWriter {
  private readonly cork: TickCork;
  /** Frames waiting behind the large frame being written (undefined: none is). */
  private waiting: Array<string | Buffer> | undefined;
  private waitingBytes = 0;

  constructor(private readonly ws: WebSocket) {
    this.cork = new TickCork(ws);
  }

  /** Bytes accepted but not yet handed to the socket (what `ws.bufferedAmount` does not count). */
  get pendingBytes(): number {
    return this.waitingBytes;
  }

  /** True while a large frame is being written (a new frame would wait). */
  get streaming(): boolean {
    return this.waiting !== undefined;
  }

  /** Writes `text` (JSON, or that text UTF-8 encoded) as one WebSocket text message, after the frames before it. */
  write(text: string | Buffer): void {
    // A string is encoded here only when it may be large (UTF-8 takes at most 3 bytes per UTF-16 unit).
    const frame = typeof text === 'string' && text.length * 3 > LARGE_FRAME_BYTES ? Buffer.from(text, 'utf8') : text;
    if (this.waiting !== undefined) {
      this.waiting.push(frame);
      this.waitingBytes += Buffer.byteLength(frame);
    } else if (typeof frame !== 'string' && frame.length > LARGE_FRAME_BYTES) {
      this.stream(frame);
    } else {
      this.cork.hold();
      this.ws.send(frame, { binary: false });
    }
  }

  private stream(bytes: Buffer): void {
    this.waiting = [];
    let offset = 0;
    // ws passes the socket's write callback result: null or undefined on success.
    const next = (err?: Error | null): void => {
      if ((err !== undefined && err !== null) || this.ws.readyState !== WebSocket.OPEN) {
        // The socket is gone: nothing more can be written to it.
        this.waiting = undefined;
        this.waitingBytes = 0;
        return;
      }
      if (offset >= bytes.length) return this.flush();
      const end = Math.min(bytes.length, offset + FRAGMENT_BYTES);
      const piece = bytes.subarray(offset, end);
      offset = end;
      this.cork.hold();
      this.ws.send(piece, { binary: false, fin: end === bytes.length }, next);
    };
    next();
  }

  /** After a large frame: writes what waited, in order (a large one among them makes the rest wait again). */
  private flush(): void {
    const queued = this.waiting ?? [];
    this.waiting = undefined;
    this.waitingBytes = 0;
    for (const frame of queued) this.write(frame);
  }
}
