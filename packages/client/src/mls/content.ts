import { decodeContent, encodeContent } from '@conclave/protocol';

/** The plaintext (inner content, `encodeContent`) of a plain text message: for benchmarks and tests that drive MLS directly. */
export function encodeText(text: string): Uint8Array {
  return encodeContent({ kind: 'text', text });
}

/** The text of a decrypted plain text message; a placeholder for any other content. */
export function decodeText(plaintext: Uint8Array): string {
  const content = decodeContent(plaintext);
  return content.kind === 'text' ? content.text : `(${content.kind})`;
}
