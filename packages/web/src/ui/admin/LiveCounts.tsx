import { formatDuration } from '@conclave/client';
import type { ServerStatus } from '@conclave/protocol';
import type { Resource } from './admin-hooks.js';

/** How often the counts refresh while the admin page is open and visible, ms. */
export const STATUS_EVERY_MS = 3_000;

/** One tile: what it counts, and the figure. */
function tiles(s: ServerStatus): Array<{ label: string; value: string; key: string }> {
  return [
    { key: 'users', label: 'Users online', value: String(s.onlineUsers) },
    { key: 'devices', label: 'Devices online', value: String(s.onlineDevices) },
    { key: 'connections', label: 'Connections', value: String(s.connections) },
    { key: 'rooms', label: 'Rooms', value: String(s.rooms) },
    { key: 'rate', label: 'Messages / min', value: String(s.messagesPerMinute) },
    { key: 'uptime', label: 'Uptime', value: formatDuration(s.uptimeMs) },
    { key: 'accounts', label: 'Accounts', value: String(s.registeredUsers) },
  ];
}

/**
 * "Live counts": the server's `status` (loaded by the page every
 * `STATUS_EVERY_MS`, and after each change made there). Each tile is a
 * `<dl>` term/value pair (`data-count` names it for tests: users, devices,
 * connections, rooms, rate, uptime, accounts).
 */
export function LiveCounts({ status }: { status: Resource<ServerStatus> }) {
  return (
    <section className="admin-card" aria-labelledby="admin-counts-title">
      <div className="admin-card__head">
        <h2 id="admin-counts-title" className="admin-card__title">
          Live counts
        </h2>
        <span className="admin-card__hint">Refreshes every few seconds</span>
      </div>
      {status.error !== null && (
        <p className="form-error" role="alert">
          {status.error}
        </p>
      )}
      {status.data === null ? (
        status.error === null && <p className="muted">Loading…</p>
      ) : (
        <dl className="counts">
          {tiles(status.data).map((t) => (
            <div key={t.key} className="counts__tile" data-count={t.key}>
              <dt className="counts__label">{t.label}</dt>
              <dd className="counts__value">{t.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
