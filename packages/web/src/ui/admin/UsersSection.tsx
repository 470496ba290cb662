import { useState } from 'react';
import { formatAgo, type ConclaveClient } from '@conclave/client';
import type { AdminUser } from '@conclave/protocol';
import { AddUser, CreateInvite } from './AddUser.js';
import { usePending, useNow, type Resource } from './admin-hooks.js';
import { ConfirmDialog } from './ConfirmDialog.js';

/** Props of `UsersSection`. */
export interface UsersSectionProps {
  client: ConclaveClient;
  /** The signed-in admin's username (their own row says "you"). */
  me: string;
  users: Resource<AdminUser[]>;
  /** Called after any change (the table and the audit log reload). */
  onChanged: () => void;
}

type Confirm = { kind: 'logout' | 'delete'; user: AdminUser } | null;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "online", "seen 5 min ago", "never signed in". */
function seenText(u: AdminUser, now: number): string {
  if (u.online) return 'online';
  return u.lastSeenAt === null ? 'never signed in' : `seen ${formatAgo(u.lastSeenAt, now)}`;
}

/**
 * "Users": every account with role, presence, devices and sessions, and per
 * row Sign out everywhere (confirmed), Promote / Demote, Delete (confirmed);
 * then "Add user" and "Create invite". A refused action's reason (e.g. the
 * last admin) is shown under the table in plain words.
 * Rows carry `data-user`, `data-role` and `data-online` for tests.
 */
export function UsersSection({ client, me, users, onChanged }: UsersSectionProps) {
  const pending = usePending();
  const now = useNow();
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [lastError, setLastError] = useState<string | null>(null);

  const setRole = async (u: AdminUser): Promise<void> => {
    const action = u.role === 'admin' ? 'demote' : 'promote';
    setLastError(null);
    const ok = await pending.run(`${action}:${u.username}`, () => client.admin({ action, username: u.username }));
    if (ok) onChanged();
    else setLastError(`${action}:${u.username}`);
  };

  const rowError = lastError === null ? undefined : pending.errorOf(lastError);
  const list = users.data ?? [];

  return (
    <section className="admin-card" aria-labelledby="admin-users-title">
      <div className="admin-card__head">
        <h2 id="admin-users-title" className="admin-card__title">
          Users
        </h2>
        {users.data !== null && <span className="admin-card__hint">{plural(list.length, 'account')}</span>}
      </div>
      {users.error !== null && (
        <p className="form-error" role="alert">
          {users.error}
        </p>
      )}
      {users.data === null && users.error === null && <p className="muted">Loading…</p>}
      {users.data !== null && (
        <table className="admin-table users-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Devices</th>
              <th scope="col">Sessions</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((u) => {
              const roleAction = u.role === 'admin' ? 'Demote' : 'Promote';
              return (
                <tr key={u.userId} data-user={u.username} data-role={u.role} data-online={u.online ? 'true' : 'false'}>
                  <th scope="row" className="users-table__name">
                    {u.username}
                    {u.username === me && <span className="tag">you</span>}
                  </th>
                  <td data-label="Role">
                    <span className={`tag ${u.role === 'admin' ? 'tag--role-admin' : ''}`}>{u.role}</span>
                  </td>
                  <td data-label="Status">
                    <span className={`presence-text ${u.online ? 'is-online' : ''}`}>{seenText(u, now)}</span>
                  </td>
                  <td data-label="Devices" className="num">
                    {u.devices}
                  </td>
                  <td data-label="Sessions" className="num">
                    {u.sessions}
                  </td>
                  <td className="users-table__actions">
                    <button
                      type="button"
                      className="button button--secondary button--compact"
                      disabled={pending.busy !== null}
                      aria-label={`Sign out everywhere: ${u.username}`}
                      onClick={() => setConfirm({ kind: 'logout', user: u })}
                    >
                      Sign out everywhere
                    </button>
                    <button
                      type="button"
                      className="button button--secondary button--compact"
                      disabled={pending.busy !== null}
                      aria-label={`${roleAction} ${u.username}`}
                      onClick={() => void setRole(u)}
                    >
                      {pending.busy === `${roleAction.toLowerCase()}:${u.username}` && <span className="spinner spinner--small" aria-hidden="true" />}
                      {roleAction}
                    </button>
                    <button
                      type="button"
                      className="button button--danger-outline button--compact"
                      disabled={pending.busy !== null}
                      aria-label={`Delete ${u.username}`}
                      onClick={() => setConfirm({ kind: 'delete', user: u })}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="form-error" role="alert">
        {rowError ?? ''}
      </p>

      <div className="admin-card__split">
        <AddUser client={client} onAdded={onChanged} />
        <CreateInvite client={client} onCreated={onChanged} />
      </div>

      {confirm?.kind === 'logout' && (
        <ConfirmDialog
          title={`Sign ${confirm.user.username} out everywhere?`}
          confirmLabel="Sign out everywhere"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            await client.admin({ action: 'logout_user', username: confirm.user.username });
            setConfirm(null);
            onChanged();
          }}
        >
          <p>
            Every session of <strong>{confirm.user.username}</strong> ends now: their open browsers and terminals are disconnected and show
            the sign-in page. They can sign in again with their password.
          </p>
          {confirm.user.username === me && <p className="admin-warning">This is your own account: this browser is signed out too.</p>}
        </ConfirmDialog>
      )}
      {confirm?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${confirm.user.username}'s account?`}
          confirmLabel="Delete account"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            await client.admin({ action: 'delete_user', username: confirm.user.username });
            setConfirm(null);
            onChanged();
          }}
        >
          <p>
            <strong>{confirm.user.username}</strong> is signed out on every device and can never sign in again. They are removed from every
            conversation and receive nothing new; messages already delivered stay with those who have them. The name stays reserved.
          </p>
          <p>This cannot be undone.</p>
          {confirm.user.username === me && <p className="admin-warning">This is your own account.</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}
