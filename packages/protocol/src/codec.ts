import type { ZodType } from 'zod';
import { ClientFrameSchema, ServerFrameSchema, type ClientFrame, type ServerFrame } from './frames.js';
import type { ErrorCode } from './errors.js';
import { LIMITS } from './limits.js';

/** Result of decoding one WebSocket text message. */
export type DecodeResult<F> =
  | { ok: true; frame: F }
  | { ok: false; code: ErrorCode; /** the request id, when one could be read */ id?: string; detail: string };

const CLIENT_TYPES = new Set<string>(ClientFrameSchema.options.map((o) => o.shape.type.value));
const SERVER_TYPES = new Set<string>(ServerFrameSchema.options.map((o) => o.shape.type.value));

/** A frame that parsed as a JSON object with a known `type`, not yet schema-validated (see `peekClientFrame`). */
export interface PeekedFrame {
  /** The parsed JSON (an object with a string `type` among the known ones). */
  raw: Record<string, unknown>;
  /** The frame's `type`. */
  type: ClientFrame['type'];
  /** The request id, when the frame carries a string id of at most 64 characters. */
  id?: string;
}

/**
 * Parses JSON text into an object with a known `type`. Never throws.
 * @returns `CONCLAVE_ERR_BAD_FRAME` (invalid JSON, not an object) or `CONCLAVE_ERR_UNKNOWN_TYPE`
 */
function parse(text: string, knownTypes: Set<string>): { ok: true; raw: Record<string, unknown>; type: string; id?: string } | Extract<DecodeResult<never>, { ok: false }> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'CONCLAVE_ERR_BAD_FRAME', detail: 'invalid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'CONCLAVE_ERR_BAD_FRAME', detail: 'not an object' };
  }
  const record = raw as Record<string, unknown>;
  const id = typeof record.id === 'string' && record.id.length <= 64 ? record.id : undefined;
  const withId = id === undefined ? {} : { id };
  if (typeof record.type !== 'string' || !knownTypes.has(record.type)) {
    return { ok: false, code: 'CONCLAVE_ERR_UNKNOWN_TYPE', ...withId, detail: 'unknown type' };
  }
  return { ok: true, raw: record, type: record.type, ...withId };
}

function validate<F>(raw: unknown, schema: ZodType<F>, id: string | undefined): DecodeResult<F> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Only paths, never values: a rejected frame may hold a password or a body.
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    return { ok: false, code: 'CONCLAVE_ERR_BAD_FRAME', ...(id === undefined ? {} : { id }), detail: `invalid fields: ${paths}` };
  }
  return { ok: true, frame: parsed.data };
}

/**
 * Why a parsed JSON value is too large or too deep to validate, or undefined.
 * Visits containers only (strings and numbers are bounded by the frame size),
 * and checks each one's entry count before descending into it, so a refusal
 * costs at most `LIMITS.maxFrameCollectionEntries` steps per container.
 */
function shapeViolation(value: unknown, depth: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > LIMITS.maxFrameDepth) return `nested deeper than ${LIMITS.maxFrameDepth}`;
  if (Array.isArray(value)) {
    if (value.length > LIMITS.maxFrameCollectionEntries) return `an array of more than ${LIMITS.maxFrameCollectionEntries} entries`;
    for (const item of value as unknown[]) {
      const found = shapeViolation(item, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  let entries = 0;
  for (const key in value) {
    if (++entries > LIMITS.maxFrameCollectionEntries) return `an object of more than ${LIMITS.maxFrameCollectionEntries} keys`;
    const found = shapeViolation((value as Record<string, unknown>)[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * First step of decoding a client frame: JSON, a known `type`, the request id,
 * and the shape bounds (`LIMITS.maxFrameCollectionEntries`, `LIMITS.maxFrameDepth`)
 * — everything whose cost does not grow with a collection's size beyond those
 * bounds. The caller may refuse by `type` (e.g. before authentication) before
 * paying for `validateClientFrame`. Never throws.
 * @returns `CONCLAVE_ERR_BAD_FRAME` (invalid JSON, not an object, over a shape bound) or `CONCLAVE_ERR_UNKNOWN_TYPE`; `detail` never holds a value
 */
export function peekClientFrame(text: string): ({ ok: true } & PeekedFrame) | Extract<DecodeResult<ClientFrame>, { ok: false }> {
  const parsed = parse(text, CLIENT_TYPES);
  if (!parsed.ok) return parsed;
  const bound = shapeViolation(parsed.raw, 1);
  if (bound !== undefined) return { ok: false, code: 'CONCLAVE_ERR_BAD_FRAME', ...(parsed.id === undefined ? {} : { id: parsed.id }), detail: bound };
  return { ...parsed, type: parsed.type as ClientFrame['type'] };
}

/** Second step: validates a peeked frame against its schema. Never throws; `detail` names failing fields, never values. */
export function validateClientFrame(peeked: PeekedFrame): DecodeResult<ClientFrame> {
  return validate(peeked.raw, ClientFrameSchema as ZodType<ClientFrame>, peeked.id);
}

/**
 * The request id of a frame read cheaply from its text, without parsing it:
 * only when `"id"` is the frame's first key, or second after `type`, or its
 * last key (as `JSON.stringify` of `{ ...frame, id }` writes it). Used to
 * answer a frame refused before parsing (rate limit) with its id.
 * @param head the text's first bytes (≥ 160 for a 64-character id after a type)
 * @param tail the text's last bytes
 */
export function peekRequestId(head: string, tail: string): string | undefined {
  return (/^\{(?:"type":"[a-z_]{1,32}",)?"id":"([^"\\]{1,64})"/.exec(head) ?? /,"id":"([^"\\]{1,64})"\}$/.exec(tail))?.[1];
}

/**
 * Decodes and validates a client→server frame (`peekClientFrame` then
 * `validateClientFrame`). Never throws.
 * `detail` names the failing fields, never their values (safe to log).
 */
export function decodeClientFrame(text: string): DecodeResult<ClientFrame> {
  const peeked = peekClientFrame(text);
  return peeked.ok ? validateClientFrame(peeked) : peeked;
}

/** Decodes and validates a server→client frame. Never throws. */
export function decodeServerFrame(text: string): DecodeResult<ServerFrame> {
  const parsed = parse(text, SERVER_TYPES);
  return parsed.ok ? validate(parsed.raw, ServerFrameSchema as ZodType<ServerFrame>, parsed.id) : parsed;
}

/** Serialises a frame for the wire (JSON text). */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

/** Exhaustiveness check for `switch` over a tagged union: a new tag is a compile error. */
export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
