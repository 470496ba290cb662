import type { ZodType } from 'zod';
import { ClientFrameSchema, ServerFrameSchema, type ClientFrame, type ServerFrame } from './frames.js';
import type { ErrorCode } from './errors.js';

/** Result of decoding one WebSocket text message. */
export type DecodeResult<F> =
  | { ok: true; frame: F }
  | { ok: false; code: ErrorCode; /** the request id, when one could be read */ id?: string; detail: string };

const CLIENT_TYPES = new Set<string>(ClientFrameSchema.options.map((o) => o.shape.type.value));
const SERVER_TYPES = new Set<string>(ServerFrameSchema.options.map((o) => o.shape.type.value));

function decode<F>(text: string, schema: ZodType<F>, knownTypes: Set<string>): DecodeResult<F> {
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
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Only paths, never values: a rejected frame may hold a password or a body.
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    return { ok: false, code: 'CONCLAVE_ERR_BAD_FRAME', ...withId, detail: `invalid fields: ${paths}` };
  }
  return { ok: true, frame: parsed.data };
}

/**
 * Decodes and validates a client→server frame. Never throws.
 * `detail` names the failing fields, never their values (safe to log).
 */
export function decodeClientFrame(text: string): DecodeResult<ClientFrame> {
  return decode(text, ClientFrameSchema as ZodType<ClientFrame>, CLIENT_TYPES);
}

/** Decodes and validates a server→client frame. Never throws. */
export function decodeServerFrame(text: string): DecodeResult<ServerFrame> {
  return decode(text, ServerFrameSchema as ZodType<ServerFrame>, SERVER_TYPES);
}

/** Serialises a frame for the wire (JSON text). */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

/** Exhaustiveness check for `switch` over a tagged union: a new tag is a compile error. */
export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
