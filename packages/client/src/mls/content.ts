
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The plaintext inside an MLS application message: JSON `{"v":1,"text":…}`.
 * It carries no sender: who sent a message is the leaf MLS authenticated.
 */
export function encodeText(text: string): Uint8Array {
  return encoder.encode(JSON.stringify({ v: 1, text }));
}

/** The text of a decrypted application message; unknown shapes show as a placeholder, never fail. */
export function decodeText(plaintext: Uint8Array): string {
  try {
    const parsed = JSON.parse(decoder.decode(plaintext)) as { v?: unknown; text?: unknown };
    if (parsed.v === 1 && typeof parsed.text === 'string') return parsed.text;
  } catch {
    // fall through
  }
  return '(a message this version of Conclave cannot show)';
}

