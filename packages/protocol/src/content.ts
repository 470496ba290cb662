import { z } from 'zod';
import { BlobIdSchema, MAX_FILE_NAME_CHARS, MAX_THUMBNAIL_BYTES } from './files.js';
import { UserIdSchema } from './ids.js';
import { LIMITS } from './limits.js';

/**
 * The inner content: what a member encrypts inside an MLS application message
 * (RFC 9420 §6.3.1 `application_data`). The server never sees it. It carries
 * no sender: who sent it is the leaf MLS authenticated, and receivers decide
 * from that alone whether an `edit` or `delete` is allowed (only the author of
 * the target may). JSON, UTF-8, `v` = `CONTENT_VERSION`.
 *
 * Targets name a message of the same conversation by its `seq` (the MLS group
 * is the conversation, so no conversation id is carried).
 */
export const CONTENT_VERSION = 1;

/** Longest room topic, in characters. */
export const MAX_TOPIC_CHARS = 300;
/** Most users one message may mention. */
export const MAX_MENTIONS = 50;
/** Longest reaction, in UTF-16 code units (one emoji with modifiers and joiners). */
export const MAX_REACTION_CHARS = 32;

const TargetSeq = z.number().int().positive();
/** Message text: at most `LIMITS.maxBodyBytes` characters (its UTF-8 size is bounded by the ciphertext limit the server enforces). */
const Text = z.string().max(LIMITS.maxBodyBytes);

const base = { v: z.literal(CONTENT_VERSION) };

/** A message. `replyTo`: the seq it answers; `mentions`: users it names with `@`; `emote`: an action (`/me waves`). */
export const TextContent = z.object({
  ...base,
  kind: z.literal('text'),
  text: Text,
  replyTo: TargetSeq.optional(),
  mentions: z.array(UserIdSchema).max(MAX_MENTIONS).optional(),
  emote: z.literal(true).optional(),
});
/** Adds (`op: 'add'`) or takes back (`remove`) the sender's reaction `emoji` on message `target`. */
export const ReactionContent = z.object({
  ...base,
  kind: z.literal('reaction'),
  target: TargetSeq,
  emoji: z.string().min(1).max(MAX_REACTION_CHARS),
  op: z.enum(['add', 'remove']),
});
/** Replaces the text of message `target`; receivers apply it only when its sender wrote the target. */
export const EditContent = z.object({
  ...base,
  kind: z.literal('edit'),
  target: TargetSeq,
  text: Text,
  mentions: z.array(UserIdSchema).max(MAX_MENTIONS).optional(),
});
/** Deletes message `target` on every member device; applied only when its sender wrote the target. */
export const DeleteContent = z.object({ ...base, kind: z.literal('delete'), target: TargetSeq });
/** The sender has read the conversation up to `upTo` (a read marker). */
export const ReceiptContent = z.object({ ...base, kind: z.literal('receipt'), upTo: TargetSeq });
/** Ephemeral (never logged): the sender started or stopped typing. */
export const TypingContent = z.object({ ...base, kind: z.literal('typing'), state: z.enum(['start', 'stop']) });
/** Sets the room's topic (empty: clears it). */
export const TopicContent = z.object({ ...base, kind: z.literal('topic'), topic: z.string().max(MAX_TOPIC_CHARS) });

/** Base64 (RFC 4648 §4) of at most `bytes` bytes. */
const base64Of = (bytes: number) => z.string().max(Math.ceil(bytes / 3) * 4).regex(/^[A-Za-z0-9+/]*={0,2}$/);

/**
 * A file or image, encrypted with its own key (see `packages/client/src/files/file-crypto.ts`)
 * and uploaded as blob `blob` (the SHA-256 of its ciphertext). `key`: the
 * 32-byte AES-256-GCM key, base64; `size`: the file's bytes before padding;
 * `name` (no directories), `mime` and `caption` as the sender gave them.
 * Images carry their `width` and `height` in pixels and a small `thumbnail`
 * (JPEG or PNG, at most `MAX_THUMBNAIL_BYTES`, base64) shown while the blob loads.
 * All of it is inside the MLS ciphertext: the server sees the blob id only.
 */
export const FileContent = z.object({
  ...base,
  kind: z.literal('file'),
  blob: BlobIdSchema,
  key: base64Of(32).length(44),
  name: z.string().min(1).max(MAX_FILE_NAME_CHARS),
  mime: z.string().max(127),
  size: z.number().int().nonnegative().max(2 ** 40),
  caption: z.string().max(4096).optional(),
  image: z
    .object({
      width: z.number().int().positive().max(100_000),
      height: z.number().int().positive().max(100_000),
      thumbnail: base64Of(MAX_THUMBNAIL_BYTES).optional(),
    })
    .optional(),
  replyTo: TargetSeq.optional(),
});

/** Every inner content kind this version knows. */
export const InnerContentSchema = z.discriminatedUnion('kind', [
  TextContent,
  ReactionContent,
  EditContent,
  DeleteContent,
  ReceiptContent,
  TypingContent,
  TopicContent,
  FileContent,
]);

/** A known inner content. */
export type InnerContent = z.infer<typeof InnerContentSchema>;
/** The inner content of one kind. */
export type ContentOf<K extends InnerContent['kind']> = Extract<InnerContent, { kind: K }>;
/** An inner content without its version (what a caller builds; `encodeContent` adds `v`). */
export type ContentInput = InnerContent extends infer C ? (C extends InnerContent ? Omit<C, 'v'> : never) : never;

/**
 * What a receiver got: a known content, or `unsupported` — well-formed JSON of
 * a kind (or version) this client does not know, from a newer client, or
 * bytes that are not content at all. Shown as "unsupported message", never
 * dropped silently.
 */
export type DecodedContent = InnerContent | { kind: 'unsupported'; /** The kind it named, when it named one. */ named?: string };

/** Kinds the Delivery Service fans out to online member devices without logging them (see `SendFrame.ephemeral`). */
export const EPHEMERAL_KINDS: ReadonlySet<InnerContent['kind']> = new Set(['typing']);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The plaintext of an inner content: UTF-8 JSON with `v` first. */
export function encodeContent(content: ContentInput): Uint8Array {
  return encoder.encode(JSON.stringify({ v: CONTENT_VERSION, ...content }));
}

/**
 * The inner content of a decrypted application message. The first clients
 * sent `{"v":1,"text":…}` without a kind: that is a `text`. Never throws.
 */
export function decodeContent(plaintext: Uint8Array): DecodedContent {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(plaintext));
  } catch {
    return { kind: 'unsupported' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'unsupported' };
  const record = value as Record<string, unknown>;
  const candidate = record.kind === undefined && typeof record.text === 'string' ? { ...record, kind: 'text' } : record;
  const parsed = InnerContentSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  return typeof record.kind === 'string' ? { kind: 'unsupported', named: record.kind.slice(0, 40) } : { kind: 'unsupported' };
}
