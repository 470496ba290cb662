import type { DeviceView } from '../mls/observer.js';
import type { SecurityEvent } from '../types.js';
import type { SafetyNumber } from '../verification.js';
import { formatDate, sanitize } from './format.js';

/** How loudly a security line is shown: `info` dim, `warning` yellow, `danger` red. */
export type SecurityLevel = 'info' | 'warning' | 'danger';

/**
 * The level of a security event. A first contact is expected (trust on first
 * use); a new device may be genuine; a changed key, a directory that
 * disagrees, or a refused commit is what an attacker would cause.
 */
export function securityLevel(kind: SecurityEvent['kind']): SecurityLevel {
  switch (kind) {
    case 'first-contact':
      return 'info';
    case 'new-device':
    case 'undecryptable':
    case 'forged-edit':
      return 'warning';
    case 'changed-key':
    case 'directory-mismatch':
    case 'rejected-commit':
    case 'notice-key-changed':
    case 'forged-notice':
      return 'danger';
  }
}

/** A security event's text as one pane line: control characters removed, the ⚠ left to the mark column. */
export function securityText(event: SecurityEvent): string {
  return sanitize(event.text).replace(/\s+/g, ' ').replace(/^⚠\s*/, '').trim();
}

/** `12345 67890 …` (12 groups of 5) as rows of `perRow` groups, for reading aloud. */
export function safetyNumberRows(number: string, perRow = 4): string[] {
  const groups = number.trim().split(/\s+/);
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += perRow) rows.push(groups.slice(i, i + perRow).join(' '));
  return rows;
}

/** What `/verify USER` prints: a heading, the number (3 rows of 4 groups), and how to compare and confirm it. */
export function safetyNumberLines(shown: SafetyNumber, self: boolean): { heading: string; number: string[]; instructions: string } {
  const who = shown.username;
  const devices = `${shown.covered.length} device${shown.covered.length === 1 ? '' : 's'}`;
  return {
    heading: self ? `Safety number of your account (your ${devices}):` : `Safety number with ${who} (covers ${who}'s ${devices}):`,
    number: safetyNumberRows(shown.number).map((row) => `    ${row}`),
    instructions: self
      ? `Compare it with /verify ${who} on your other device. If it matches, type /verify ${who} yes`
      : `Compare with ${who} in person or on a call. If it matches, type /verify ${who} yes`,
  };
}

/** What `/devices USER` prints: a heading, then two lines per device (name and state; fingerprint and date). */
export function deviceLines(username: string, devices: readonly DeviceView[], self: boolean): string[] {
  const whose = self ? 'Your devices' : `Devices of ${username}`;
  if (devices.length === 0) return [`${whose}: none listed by the server.`];
  const lines = [`${whose} (${devices.length}):`];
  for (const d of devices) {
    const state = d.current ? '(this device)' : d.verified ? 'verified' : d.pinned ? 'unverified' : 'unverified, not seen in your conversations yet';
    lines.push(`  ${sanitize(d.name)} — ${state}`);
    lines.push(`      ${d.fingerprint}   added ${formatDate(d.createdAt)}`);
  }
  if (devices.some((d) => !d.current && !d.verified)) lines.push(`Compare safety numbers with /verify ${username} to verify them.`);
  return lines;
}
