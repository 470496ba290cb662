import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConclaveClient } from '@conclave/client';
import { useResource } from './admin-hooks.js';
import { AUDIT_PAGE, AuditSection } from './AuditSection.js';
import { LiveCounts, STATUS_EVERY_MS } from './LiveCounts.js';
import { RoomsSection } from './RoomsSection.js';
import { SettingsSection } from './SettingsSection.js';
import { UsersSection } from './UsersSection.js';

/** How often the users table (who is online) and the rooms refresh while the page is open, ms. */
const LISTS_EVERY_MS = 15_000;

/** Props of `AdminPage`. */
export interface AdminPageProps {
  client: ConclaveClient;
  /** The signed-in admin's username. */
  me: string;
  /** Phone layout: "Back" returns to the conversation list; otherwise "Back to chat". */
  phone: boolean;
  onClose: () => void;
}

/**
 * The admin page (`main` "Admin"), shown in place of the conversation to
 * admins only: live counts, users (with their actions, add user, invite),
 * rooms, settings and the audit log. Everything goes through
 * `client.admin(…)` (the server checks the role again on every request);
 * failures are shown where they happened, in plain words.
 */
export function AdminPage({ client, me, phone, onClose }: AdminPageProps) {
  const [auditLimit, setAuditLimit] = useState(AUDIT_PAGE);
  const title = useRef<HTMLHeadingElement>(null);
  // Opened: keyboard and screen-reader users start at the page's title.
  useEffect(() => title.current?.focus(), []);

  const status = useResource(() => client.admin({ action: 'status' }).then((r) => r.status), 'status', STATUS_EVERY_MS);
  const users = useResource(() => client.admin({ action: 'list_users' }).then((r) => r.users), 'users', LISTS_EVERY_MS);
  const rooms = useResource(() => client.rooms(), 'rooms', LISTS_EVERY_MS);
  const settings = useResource(() => client.admin({ action: 'settings' }).then((r) => r.settings), 'settings');
  const audit = useResource(() => client.admin({ action: 'audit', limit: auditLimit }).then((r) => r.entries), auditLimit);

  const { reload: reloadStatus } = status;
  const { reload: reloadUsers } = users;
  const { reload: reloadRooms } = rooms;
  const { reload: reloadSettings } = settings;
  const { reload: reloadAudit } = audit;

  /** After any change made here: everything it may have touched reloads. */
  const changed = useCallback(() => {
    reloadStatus();
    reloadUsers();
    reloadRooms();
    reloadSettings();
    reloadAudit();
  }, [reloadStatus, reloadUsers, reloadRooms, reloadSettings, reloadAudit]);

  // Someone signing in or out, joining or leaving changes the tables: reload them (a burst reloads once).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = client.on('notice', (n) => {
      if (n.kind !== 'login' && n.kind !== 'logout' && n.kind !== 'join' && n.kind !== 'leave') return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        reloadUsers();
        reloadRooms();
      }, 300);
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, [client, reloadUsers, reloadRooms]);

  const usernames = (users.data ?? []).map((u) => u.username);

  return (
    <main className="admin" aria-labelledby="admin-title">
      <header className="conv-header admin__header">
        {phone && (
          <button type="button" className="button button--ghost conv-header__back" onClick={onClose}>
            <span aria-hidden="true">‹</span> Back
          </button>
        )}
        <div className="conv-header__title">
          <h1 id="admin-title" className="conv-header__name admin__title" ref={title} tabIndex={-1}>
            Admin
          </h1>
          <span className="conv-header__sub">Server administration · only admins see this</span>
        </div>
        {!phone && (
          <div className="conv-header__actions">
            <button type="button" className="button button--ghost" onClick={onClose}>
              Back to chat
            </button>
          </div>
        )}
      </header>
      <div className="admin__scroll">
        <div className="admin__content">
          <LiveCounts status={status} />
          <UsersSection client={client} me={me} users={users} onChanged={changed} />
          <RoomsSection client={client} rooms={rooms} usernames={usernames} onChanged={changed} />
          <SettingsSection client={client} settings={settings} onChanged={changed} />
          <AuditSection audit={audit} limit={auditLimit} onLoadMore={() => setAuditLimit((n) => n + AUDIT_PAGE)} />
        </div>
      </div>
    </main>
  );
}
