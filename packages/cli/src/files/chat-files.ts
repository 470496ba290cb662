import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConversationId } from '@conclave/protocol';
import { isConclaveError, UNPLACED_SEQ, type ChatModel, type FileCommandHost, type MessageItem, type PaneItem } from '@conclave/client';
import { oneLine } from '../errors.js';
import { shortDigest } from './describe.js';
import { expandPath, openLocalFile, type LocalFile } from './local-file.js';
import { progressText } from './progress.js';
import { saveDownload } from './save.js';

/** A download in progress, as the chat's progress line shows it. */
export interface DownloadView {
  id: number;
  /** The sender's file name (sanitised by the core). */
  name: string;
  /** Bytes of ciphertext received, of `totalBytes`. */
  doneBytes: number;
  totalBytes: number;
  /** The file's size in bytes. */
  size: number;
  startedAt: number;
}

/** Where `/download N` saves without a DIR: `~/Downloads` (created if missing). */
export function defaultDownloadDir(home: string = homedir()): string {
  return join(home, 'Downloads');
}

/**
 * The chat's `/upload PATH [caption]` and `/download N [DIR]` (the
 * `FileCommandHost` of its `ChatModel`), and `/cancel`. Each returns as soon
 * as the transfer has started, so lines typed meanwhile are not held up:
 * an upload shows as your pending message with its progress (`ChatModel.sendFile`),
 * a download as a progress line (`downloads`) until a line says where it was
 * saved — `saved to PATH (sha256 <16 hex>…)` — or why not. Nothing of a file
 * that fails its check is kept (`saveDownload`).
 */
export class ChatFiles implements FileCommandHost {
  private model: ChatModel | null = null;
  private readonly active = new Map<number, DownloadView & { controller: AbortController }>();
  private readonly listeners = new Set<() => void>();
  private counter = 0;
  /** Bumped on every change of `downloads()` (for React's useSyncExternalStore). */
  version = 0;

  constructor(private readonly home: string = homedir()) {}

  /** Connects the model these commands act through (it is made with this host). */
  attach(model: ChatModel): void {
    this.model = model;
  }

  /** Redraw hook for the download lines; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Downloads in progress, oldest first. */
  downloads(): DownloadView[] {
    return [...this.active.values()].map(({ controller: _c, ...view }) => view);
  }

  /** The progress line of a download: `downloading report.pdf… 45 % (1.1 of 2.4 MB)`. */
  static line(d: DownloadView): string {
    return progressText('downloading', d.name, d.doneBytes, d.totalBytes, d.size);
  }

  async upload(path: string, caption: string | null, conversationId: ConversationId): Promise<void> {
    const model = this.attached();
    let file: LocalFile;
    try {
      file = await openLocalFile(path);
    } catch (err) {
      return model.system(sentence(oneLine(err)), 'error', conversationId);
    }
    const meta = { ...file.meta, ...(caption !== null && { caption }) };
    // Not awaited: the upload goes on while the user types (its item shows the progress; it never throws).
    void model.sendFile(file.source, meta, conversationId);
  }

  async download(item: MessageItem, dir: string | null, conversationId: ConversationId): Promise<void> {
    const model = this.attached();
    const attachment = item.file?.attachment;
    if (attachment === undefined) return model.system('That file is still being sent.', 'error', conversationId);
    // The view's name, control characters removed (the attachment's is the sender's, as sent).
    const name = item.file?.name ?? 'file';
    const folder = dir === null ? defaultDownloadDir(this.home) : expandPath(dir, this.home);
    const controller = new AbortController();
    const id = ++this.counter;
    this.active.set(id, { id, name, doneBytes: 0, totalBytes: 1, size: attachment.size, startedAt: Date.now(), controller });
    this.notify();
    const onProgress = ({ doneBytes, totalBytes }: { doneBytes: number; totalBytes: number }): void => {
      const d = this.active.get(id);
      if (d === undefined) return;
      d.doneBytes = doneBytes;
      d.totalBytes = totalBytes;
      this.notify();
    };
    // Not awaited, as an upload.
    void saveDownload(folder, attachment.name, (write) => model.client.downloadFile(attachment, write, { onProgress, signal: controller.signal }))
      .then(
        ({ path, result }) => model.system(`Saved to ${path} (sha256 ${shortDigest(result.sha256)}…).`, 'ok', conversationId),
        (err: unknown) => {
          const seq = item.seq === UNPLACED_SEQ ? '' : ` (message ${item.seq})`;
          if (isConclaveError(err, 'CONCLAVE_ERR_CANCELLED')) model.system(`Download of ${name} cancelled; nothing was saved.`, 'info', conversationId);
          else model.system(`${name}${seq}: ${sentence(oneLine(err))}`, 'error', conversationId);
        },
      )
      .finally(() => {
        this.active.delete(id);
        this.notify();
      })
      .catch(() => undefined);
  }

  /**
   * `/cancel`: stops the newest transfer — a download, or your own file
   * still being sent in `pane` (the items on screen) — and says which.
   * @returns false when there is none
   */
  cancelNewest(pane: readonly PaneItem[]): boolean {
    const model = this.attached();
    const downloads = [...this.active.values()];
    const download = downloads[downloads.length - 1];
    const upload = [...pane].reverse().find((i): i is MessageItem => i.kind === 'message' && i.status === 'pending' && i.transfer !== undefined);
    if (download !== undefined && (upload === undefined || download.startedAt >= upload.at)) {
      download.controller.abort();
      return true;
    }
    if (upload === undefined) return false;
    model.cancelTransfer(upload.key);
    model.system(`Upload of ${upload.file?.name ?? 'the file'} cancelled.`, 'info');
    return true;
  }

  private attached(): ChatModel {
    if (this.model === null) throw new Error('ChatFiles used before attach()');
    return this.model;
  }

  private notify(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}

/** `no such file: /x` → `No such file: /x.` (a chat line is a sentence). */
function sentence(text: string): string {
  const s = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
