import { assertNever, type AdminResult, type AdminUser, type AuditEntry, type ServerStatus } from '@conclave/protocol';
import { formatDate, formatTime, sanitize } from './format.js';

/** One line of admin output; `strong` marks text to copy exactly (a generated password). */
export interface AdminLine {
  text: string;
  tone: 'info' | 'ok';
  strong?: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `42 s`, `3 min`, `2 h 05 min`, `4 d 3 h` (a duration in ms, rounded down). */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `just now`, `12 min ago`, `3 h ago`, else the date (`now` and `at` in ms). */
export function formatAgo(at: number, now: number): string {
  const ms = Math.max(0, now - at);
  if (ms < 60_000) return 'just now';
  if (ms < 24 * 3600_000) return `${formatDuration(ms).replace(/ \d+ min$/, '')} ago`;
  return formatDate(at);
}

/** The status line of a server: `2 users on 3 devices online · 4 rooms · 12 msgs/min · up 2 h 05 min · 9 accounts`. */
export function statusText(s: ServerStatus): string {
  return [
    `${plural(s.onlineUsers, 'user')} on ${plural(s.onlineDevices, 'device')} online`,
    plural(s.rooms, 'room'),
    `${s.messagesPerMinute} msgs/min`,
    `up ${formatDuration(s.uptimeMs)}`,
    plural(s.registeredUsers, 'account'),
  ].join(' · ');
}

/** One `/listusers` row: `● alice  admin   online           2 devices  1 session`. */
export function userRow(u: AdminUser, now: number, nameWidth = 16): string {
  const seen = u.online ? 'online' : u.lastSeenAt === null ? 'never seen' : `seen ${formatAgo(u.lastSeenAt, now)}`;
  return `${u.online ? '●' : '○'} ${u.username.padEnd(nameWidth)} ${u.role.padEnd(6)}  ${seen.padEnd(18)} ${plural(u.devices, 'device').padEnd(10)} ${plural(u.sessions, 'session')}`;
}

/** One `/audit` row: `2026-11-21 14:02  alice  promote bob  (from 192.0.2.4)`. */
export function auditRow(e: AuditEntry): string {
  const what = [e.action, e.target, e.detail === null ? null : `(${e.detail})`].filter((x) => x !== null).join(' ');
  return `${formatDate(e.at)} ${formatTime(e.at)}  ${e.actor.padEnd(12)} ${sanitize(what)}${e.address === null ? '' : `  from ${e.address}`}`;
}

/**
 * What an admin command's result looks like in the message pane.
 * @param now ms since the Unix epoch (for "seen 5 min ago")
 */
export function adminResultLines(result: AdminResult, now: number): AdminLine[] {
  const info = (text: string): AdminLine => ({ text, tone: 'info' });
  const ok = (text: string): AdminLine => ({ text, tone: 'ok' });
  switch (result.action) {
    case 'add_user':
      return result.password === undefined
        ? [ok(`Created ${result.user.role} "${result.user.username}" with the password you gave.`)]
        : [
            ok(`Created ${result.user.role} "${result.user.username}". Their password (shown once — pass it on privately):`),
            { text: `    ${result.password}`, tone: 'ok', strong: true },
          ];
    case 'list_users': {
      const width = Math.max(8, ...result.users.map((u) => u.username.length));
      return [info(`Users (${result.users.length}):`), ...result.users.map((u) => info(`  ${userRow(u, now, width)}`))];
    }
    case 'logout_user':
      return [
        ok(`Signed ${result.user.username} out everywhere: ${plural(result.sessions, 'session')} ended, ${plural(result.connections, 'connection')} closed.`),
      ];
    case 'delete_user':
      return [ok(`Deleted ${result.user.username}'s account; members' devices now remove theirs from each conversation. The name stays reserved.`)];
    case 'promote':
      return [ok(`${result.user.username} is now an admin.`)];
    case 'demote':
      return [ok(`${result.user.username} is now a member.`)];
    case 'kick':
      return [ok(`Removed ${result.user.username} from ${result.room}.`)];
    case 'broadcast':
      return [ok(`Broadcast sent (${plural(result.online, 'user')} online now).`)];
    case 'notice':
      return [ok(result.online ? `Notice sent to ${result.user.username}.` : `${result.user.username} is offline: notices are not kept for later.`)];
    case 'shutdown':
      return [ok(`The server stops at ${new Date(result.at).toLocaleTimeString()}; everyone has been told.`)];
    case 'set':
      return [ok(`${result.setting.key} = ${result.setting.value}`)];
    case 'settings': {
      const width = Math.max(...result.settings.map((s) => s.key.length));
      return [
        info('Settings (change with /set KEY VALUE):'),
        ...result.settings.map((s) =>
          info(`  ${s.key.padEnd(width)} = ${s.value}${s.value === s.default ? '' : `  (default ${s.default})`} — ${s.description}`),
        ),
      ];
    }
    case 'audit':
      return result.entries.length === 0
        ? [info('The audit log is empty.')]
        : [info(`Last ${plural(result.entries.length, 'admin action')} (newest first):`), ...result.entries.map((e) => info(`  ${auditRow(e)}`))];
    case 'status':
      return [info(statusText(result.status))];
    default:
      return assertNever(result);
  }
}
