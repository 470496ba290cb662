import { connect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ConclaveError } from '@conclave/client/errors';
import { CliError } from '../errors.js';
import { ensurePrivateDir, readJson, writeJson } from '../profile.js';
import type { ServerAddress } from '../url.js';
import { certificateFingerprint, normalizeFingerprint } from './fingerprint.js';

/** How to verify the server on every (re)connect. */
export type Trust =
  /** CA-valid certificate for this host name: normal TLS verification. */
  | { mode: 'ca' }
  /** Self-signed (or otherwise not CA-valid): accept exactly this certificate. */
  | { mode: 'pinned'; fingerprint: string };

/**
 * Checks the certificate `socket` was handed against a pinned `trust`
 * (CA mode: TLS itself verified it). Call it once the handshake is done and
 * before anything is written: a mismatch must reach no byte of the request.
 * @returns null when trusted, else the fatal `CONCLAVE_ERR_UNTRUSTED_SERVER` to fail with
 */
export function pinMismatch(trust: Trust, socket: TLSSocket): ConclaveError | null {
  if (trust.mode !== 'pinned') return null;
  const raw = socket.getPeerCertificate().raw as Buffer | undefined;
  const presented = raw === undefined ? 'none' : certificateFingerprint(raw);
  if (presented === trust.fingerprint) return null;
  return new ConclaveError(
    'CONCLAVE_ERR_UNTRUSTED_SERVER',
    `The server certificate changed (pinned ${trust.fingerprint}, got ${presented}); disconnected before sending anything.`,
    { fatal: true },
  );
}

/** What the server presented. */
export interface Probe {
  /** True when the chain is CA-valid for the host name. */
  authorized: boolean;
  fingerprint: string;
}

/**
 * Opens a TLS connection (no verification), reads the certificate and
 * closes; nothing is sent. Times in ms.
 * @throws CliError when the server cannot be reached.
 */
export function probeCertificate(addr: ServerAddress, timeoutMs = 10_000): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({
      host: addr.host,
      port: addr.port,
      ...(isIP(addr.host) === 0 && { servername: addr.host }),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new CliError(`cannot reach ${addr.key}: ${why}`));
    };
    socket.setTimeout(timeoutMs, () => fail('timed out'));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const authorized = socket.authorized;
      socket.destroy();
      if (cert.raw === undefined) reject(new CliError(`${addr.key} presented no certificate`));
      else resolve({ authorized, fingerprint: certificateFingerprint(cert.raw) });
    });
  });
}

type KnownHostsMap = Record<string, { fingerprint: string; addedAt: number }>;

/** Pinned fingerprints per `host:port`, in `known_hosts.json` of the profile dir. */
export class KnownHosts {
  readonly path: string;
  constructor(private readonly profileDir: string) {
    this.path = join(profileDir, 'known_hosts.json');
  }
  async get(key: string): Promise<string | null> {
    return (await readJson<KnownHostsMap>(this.path))?.[key]?.fingerprint ?? null;
  }
  async pin(key: string, fingerprint: string): Promise<void> {
    await ensurePrivateDir(this.profileDir);
    const hosts = (await readJson<KnownHostsMap>(this.path)) ?? {};
    hosts[key] = { fingerprint, addedAt: Date.now() };
    await writeJson(this.path, hosts);
  }
}

/** How trust questions reach the user (absent: non-interactive). */
export interface TrustPrompt {
  /** Shows the fingerprint and asks; true to trust and pin. */
  confirmNew(addr: ServerAddress, fingerprint: string): Promise<boolean>;
  /** Shows the loud warning about a changed certificate. */
  warnChanged(addr: ServerAddress, pinned: string, presented: string, knownHostsPath: string): void;
}

/**
 * Decides whether to talk to the server, ssh style: a CA-valid certificate is
 * trusted; otherwise it must match `--fingerprint`, or the pin from an
 * earlier visit, or the user must accept it now (then it is pinned). A
 * changed certificate is refused before anything is sent.
 * @throws CliError with the reason (and, non-interactively, what to pass).
 */
export async function establishTrust(params: {
  addr: ServerAddress;
  profileDir: string;
  /** `--fingerprint` as typed. */
  expected?: string;
  prompt?: TrustPrompt;
}): Promise<Trust> {
  const { addr, profileDir, prompt } = params;
  const known = new KnownHosts(profileDir);
  let expected: string | null = null;
  if (params.expected !== undefined) {
    expected = normalizeFingerprint(params.expected);
    if (expected === null) throw new CliError(`--fingerprint: "${params.expected}" is not a SHA256 fingerprint (SHA256:base64 or hex)`, 2);
  }
  const probe = await probeCertificate(addr);
  if (expected !== null) {
    if (probe.fingerprint !== expected) {
      throw new CliError(
        `the certificate of ${addr.key} does NOT match --fingerprint (got ${probe.fingerprint}); refusing to connect`,
      );
    }
    await known.pin(addr.key, expected);
    return { mode: 'pinned', fingerprint: expected };
  }
  if (probe.authorized) return { mode: 'ca' };
  const pinned = await known.get(addr.key);
  if (pinned === probe.fingerprint) return { mode: 'pinned', fingerprint: pinned };
  if (pinned !== null) {
    prompt?.warnChanged(addr, pinned, probe.fingerprint, known.path);
    throw new CliError(
      `the certificate of ${addr.key} has CHANGED since you pinned it (possible man-in-the-middle); nothing was sent — ` +
        `if the change is expected, pass --fingerprint or remove ${addr.key} from ${known.path}`,
    );
  }
  if (prompt === undefined) {
    throw new CliError(
      `${addr.key} has a self-signed certificate that is not pinned yet; pass --fingerprint SHA256:… (the server prints it when it starts)`,
    );
  }
  if (!(await prompt.confirmNew(addr, probe.fingerprint))) throw new CliError('server not trusted; nothing was sent');
  await known.pin(addr.key, probe.fingerprint);
  return { mode: 'pinned', fingerprint: probe.fingerprint };
}
