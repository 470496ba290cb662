import { encodeContent } from '@conclave/protocol';

/** How a text measures against the message size limit (what a composer's counter shows). */
export interface TextMeasure {
  /** Size of the encoded message content, bytes (what the limit applies to). */
  bytes: number;
  /** The limit in force (the server's `max_message_bytes`), bytes. */
  limitBytes: number;
  /**
   * Characters that still fit (an upper bound: counted as one byte each), or — negative — how many
   * characters must be removed from the end for the text to fit.
   */
  charsLeft: number;
  /** True from 90 % of the limit on: show the counter. */
  nearLimit: boolean;
}

/** Fraction of the limit from which a composer shows its counter. */
const NEAR_LIMIT = 0.9;

const utf8 = new TextEncoder();

/**
 * Measures `text` (a message's text) against `limitBytes`: the encoded size
 * (the same encoding `sendText` checks), and how many characters are left or
 * too many — counted in characters (code points), not bytes, since that is
 * what a user deletes.
 */
export function measureText(text: string, limitBytes: number): TextMeasure {
  const bytes = encodeContent({ kind: 'text', text }).length;
  const nearLimit = bytes >= limitBytes * NEAR_LIMIT;
  if (bytes <= limitBytes) return { bytes, limitBytes, charsLeft: limitBytes - bytes, nearLimit };
  // Remove characters from the end until the encoding fits (JSON escapes make some count more than once).
  let excess = bytes - limitBytes;
  let chars = 0;
  const codePoints = [...text];
  for (let i = codePoints.length - 1; i >= 0 && excess > 0; i--) {
    const c = codePoints[i] as string;
    excess -= encodedWeight(c);
    chars++;
  }
  return { bytes, limitBytes, charsLeft: -chars, nearLimit };
}

/** Bytes one character takes inside the JSON-encoded content. */
function encodedWeight(c: string): number {
  const json = JSON.stringify(c);
  return utf8.encode(json).length - 2; // minus the quotes
}

/** The refusal for a text over the limit, e.g. "Too long by 37 characters (the limit here is 16384 bytes)." */
export function tooLongMessage(measure: TextMeasure): string {
  const over = -measure.charsLeft;
  return `Too long by ${over} character${over === 1 ? '' : 's'} (the limit here is ${measure.limitBytes} bytes).`;
}
