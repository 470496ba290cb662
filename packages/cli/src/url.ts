import { isIP } from 'node:net';
import { WS_PATH } from '@conclave/protocol';
import { CliError, EXIT } from './errors.js';

/** The port a Conclave server listens on when the address names none. */
export const DEFAULT_PORT = 8443;

/** A server address, resolved from what the user typed. */
export interface ServerAddress {
  /** Host name or IP (IPv6 without brackets). */
  host: string;
  port: number;
  /** `wss://host:port/ws`. */
  wsUrl: string;
  /** `host:port` (IPv6 bracketed): the key for pinning and profiles. */
  key: string;
}

/**
 * Accepts `host`, `host:port`, `https://host:port`, `wss://host:port/ws`
 * (and `[v6]:port`). The port defaults to 8443 even after `https://`
 * (Conclave's port, not 443) unless written out; the path defaults to `/ws`.
 * @throws CliError (usage) for anything else, e.g. `http://` (Conclave is TLS-only).
 */
export function parseServerAddress(input: string): ServerAddress {
  const text = input.trim();
  if (text === '') throw new CliError('no server address given', EXIT.usage);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'https' && scheme !== 'wss') {
    const hint = scheme === 'http' || scheme === 'ws' ? ' (Conclave always uses TLS: https:// or wss://)' : '';
    throw new CliError(`unsupported address scheme "${scheme}://"${hint}`, EXIT.usage);
  }
  const rest = scheme === undefined ? text : text.slice(scheme.length + 3);
  const authority = /^[^/?#]*/.exec(rest)?.[0] ?? '';
  const path = rest.slice(authority.length);
  let url: URL;
  try {
    url = new URL(`https://${rest}`);
  } catch {
    throw new CliError(`"${input}" is not a valid server address`, EXIT.usage);
  }
  if (url.username !== '' || url.password !== '') throw new CliError('put the username in --user, not in the address', EXIT.usage);
  if (url.hostname === '') throw new CliError(`"${input}" has no host name`, EXIT.usage);
  const explicitPort = /:(\d+)$/.exec(authority)?.[1];
  const port = explicitPort === undefined ? DEFAULT_PORT : Number(explicitPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`port ${explicitPort} is out of range`, EXIT.usage);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const hostForUrl = isIP(host) === 6 ? `[${host}]` : host;
  const wsPath = path === '' || path === '/' ? WS_PATH : url.pathname;
  return { host, port, wsUrl: `wss://${hostForUrl}:${port}${wsPath}`, key: `${hostForUrl}:${port}` };
}
