/**
 * The character rule for passwords, shared by the server (authoritative) and
 * the clients (early hints). Length and common-password rules stay with
 * `ACCOUNT_RULES` and the server.
 */

/** What a user is told when a password holds a control character. */
export const PASSWORD_CONTROL_MESSAGE = 'Passwords cannot contain control characters (such as a line break).';

/**
 * C0 and C1 controls (U+0000–U+001F, U+007F–U+009F: tab, CR, LF, ESC, …) and the
 * Unicode line and paragraph separators (U+2028, U+2029). A password holding one
 * cannot be typed back at a prompt, and one piped in with its line break would
 * silently differ from the one typed later.
 */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/**
 * Why `password` breaks the character rule, as the user message
 * (`PASSWORD_CONTROL_MESSAGE`), or null when it holds no control character.
 * Never throws; does not check length or commonness.
 */
export function passwordCharacterProblem(password: string): string | null {
  return CONTROL.test(password) ? PASSWORD_CONTROL_MESSAGE : null;
}
