/**
 * Invite links: `https://HOST/#/register?invite=CODE` opens the web client's
 * register page with the invite code filled in. The code travels in the
 * fragment, so it is never sent to the server in a request line or logged.
 */

/** The fragment of an invite link, before the code. */
const INVITE_FRAGMENT = '#/register?invite=';

/**
 * The invite link for `code` on the server whose WebSocket endpoint is
 * `webSocketUrl` (`wss://host:port/ws` → `https://host:port/#/register?invite=CODE`).
 */
export function inviteLink(webSocketUrl: string, code: string): string {
  const origin = /^(wss?):\/\/([^/?#]+)/.exec(webSocketUrl);
  const scheme = origin?.[1] === 'ws' ? 'http' : 'https';
  return `${scheme}://${origin?.[2] ?? webSocketUrl}/${INVITE_FRAGMENT}${encodeURIComponent(code)}`;
}

/** The invite code in a page's location fragment (`#/register?invite=CODE`), or undefined. */
export function inviteCodeIn(fragment: string): string | undefined {
  if (!fragment.startsWith(INVITE_FRAGMENT)) return undefined;
  let code: string;
  try {
    code = decodeURIComponent(fragment.slice(INVITE_FRAGMENT.length)).trim();
  } catch {
    return undefined; // a malformed escape: no code
  }
  return code === '' ? undefined : code;
}
