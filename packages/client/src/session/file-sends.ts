import type { ConversationId } from '@conclave/protocol';
import type { ConclaveClient } from '../client.js';
import { isConclaveError } from '../errors.js';
import type { FileSource } from '../files/file-crypto.js';
import type { FileMeta, FileProgress } from '../files/file-transfers.js';
import { sanitize } from './format.js';
import { fileView, pendingItem, placePending, type MessageItem, type Panes, type TransferProgress } from './pane-items.js';

/** What `FileSends` needs of the model that owns it. */
export interface FileSendHost {
  readonly client: ConclaveClient;
  readonly panes: Panes;
  /** `conversationId:seq` of every message put in a pane. */
  readonly shown: Set<string>;
  notify(): void;
}

/** A file the user is sending (or whose send failed, kept for Retry). */
interface FileSend {
  conversationId: ConversationId;
  source: FileSource;
  meta: FileMeta;
  controller: AbortController | null;
}

/** Progress is redrawn when it moved by at least this share of the total (and at every stage change). */
const PROGRESS_STEP = 0.01;

/**
 * The files the user sends from the chat: each shows at once as a pending
 * message with its progress (`MessageItem.transfer`), is encrypted, uploaded
 * and announced (`ConclaveClient.sendFile`), then becomes the message at its
 * seq; a failure leaves it `failed` with Retry and Discard, a cancel removes it.
 * Several files upload side by side but are announced in the order they were
 * sent, so a small image chosen after a large file does not overtake it.
 */
export class FileSends {
  private readonly sends = new Map<string, FileSend>();
  private counter = 0;
  /** Settles when the file sent last has been announced (or failed): uploads run side by side, announcements in call order. */
  private announced: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: FileSendHost) {}

  /** Whether `key` is a file being sent or failed here. */
  has(key: string): boolean {
    return this.sends.has(key);
  }

  /**
   * Shows the file as a pending message in `conversationId` and sends it.
   * Resolves when it is placed, failed or cancelled; never throws.
   */
  send(conversationId: ConversationId, source: FileSource, meta: FileMeta): Promise<void> {
    const key = `f${++this.counter}`;
    const item: MessageItem = {
      ...pendingItem(key, this.host.client.snapshot().me?.username, meta.caption ?? ''),
      file: {
        name: sanitize(meta.name),
        mime: meta.mime ?? 'application/octet-stream',
        size: source.size,
        ...(meta.image !== undefined && { image: { width: meta.image.width, height: meta.image.height } }),
      },
    };
    this.host.panes.push(conversationId, item);
    this.sends.set(key, { conversationId, source, meta, controller: null });
    this.host.notify();
    return this.run(key);
  }

  /** Cancels a file still uploading (its message disappears) or drops a failed one. */
  cancel(key: string): void {
    const send = this.sends.get(key);
    if (send === undefined) return;
    this.sends.delete(key);
    send.controller?.abort();
    this.host.panes.replace(key, null);
    this.host.notify();
  }

  /** Sends a failed file again. */
  retry(key: string): Promise<void> {
    const found = this.host.panes.locate(key);
    if (!this.sends.has(key) || found?.item.kind !== 'message' || found.item.status !== 'failed') return Promise.resolve();
    const { error: _error, ...rest } = found.item;
    this.host.panes.replace(key, { ...rest, status: 'pending' });
    this.host.notify();
    return this.run(key);
  }

  private async run(key: string): Promise<void> {
    const send = this.sends.get(key);
    if (send === undefined) return;
    const controller = new AbortController();
    send.controller = controller;
    let shown: TransferProgress | null = null;
    const onProgress = (p: FileProgress): void => {
      if (shown !== null && shown.stage === p.stage && p.doneBytes - shown.doneBytes < PROGRESS_STEP * p.totalBytes) return;
      shown = { stage: p.stage, doneBytes: p.doneBytes, totalBytes: p.totalBytes };
      this.update(key, { transfer: shown });
    };
    const sending = this.host.client.sendFile(send.conversationId, send.source, send.meta, { onProgress, signal: controller.signal, announceAfter: this.announced });
    this.announced = sending.catch(() => undefined);
    try {
      this.placed(key, await sending);
    } catch (err) {
      if (isConclaveError(err, 'CONCLAVE_ERR_CANCELLED') || !this.sends.has(key)) return;
      send.controller = null;
      const found = this.host.panes.locate(key);
      if (found?.item.kind !== 'message') return;
      const { transfer: _t, ...rest } = found.item;
      this.host.panes.replace(key, { ...rest, status: 'failed', error: isConclaveError(err) || err instanceof Error ? err.message : String(err) });
      this.host.notify();
    }
  }

  private update(key: string, change: Partial<MessageItem>): void {
    const found = this.host.panes.locate(key);
    if (found?.item.kind !== 'message') return;
    this.host.panes.replace(key, { ...found.item, ...change });
    this.host.notify();
  }

  /** The server acknowledged the file's message: it becomes the message at its seq (unless its echo is shown already). */
  private placed(key: string, receipt: Awaited<ReturnType<ConclaveClient['sendFile']>>): void {
    this.sends.delete(key);
    placePending(this.host.panes, this.host.shown, key, receipt, { file: fileView(receipt.file) });
    this.host.notify();
  }
}
