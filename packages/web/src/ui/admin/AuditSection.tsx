import { formatDate, formatTime, sanitize } from '@conclave/client';
import { MAX_AUDIT_ENTRIES, type AuditEntry } from '@conclave/protocol';
import type { Resource } from './admin-hooks.js';

/** Entries the audit log shows first, and how many more each "Load more" asks for. */
export const AUDIT_PAGE = 20;

/** Props of `AuditSection`. */
export interface AuditSectionProps {
  audit: Resource<AuditEntry[]>;
  /** How many entries were asked for (a full page means there may be more). */
  limit: number;
  onLoadMore: () => void;
}

/**
 * "Audit log": the newest admin actions first (when, who, what, target,
 * detail, from where), with "Load more" while the server returned as many
 * as asked for. The log never holds a password or token.
 */
export function AuditSection({ audit, limit, onLoadMore }: AuditSectionProps) {
  const entries = audit.data ?? [];
  const more = audit.data !== null && entries.length >= limit && limit < MAX_AUDIT_ENTRIES;
  return (
    <section className="admin-card" aria-labelledby="admin-audit-title">
      <div className="admin-card__head">
        <h2 id="admin-audit-title" className="admin-card__title">
          Audit log
        </h2>
        <span className="admin-card__hint">Newest first</span>
      </div>
      {audit.error !== null && (
        <p className="form-error" role="alert">
          {audit.error}
        </p>
      )}
      {audit.data === null && audit.error === null && <p className="muted">Loading…</p>}
      {audit.data !== null && entries.length === 0 && <p className="muted">No admin actions yet.</p>}
      {entries.length > 0 && (
        <ol className="audit">
          {entries.map((e) => (
            <li key={`${e.at}-${e.action}-${e.target ?? ''}`} className="audit__entry" data-action={e.action}>
              <time className="audit__time" dateTime={new Date(e.at).toISOString()}>
                {formatDate(e.at)} {formatTime(e.at)}
              </time>
              <span className="audit__what">
                <strong className="audit__actor">{sanitize(e.actor)}</strong> <span className="audit__action">{e.action.replaceAll('_', ' ')}</span>
                {e.target !== null && <span className="audit__target"> {sanitize(e.target)}</span>}
                {e.detail !== null && <span className="audit__detail"> · {sanitize(e.detail)}</span>}
              </span>
              {e.address !== null && <span className="audit__address">from {e.address}</span>}
            </li>
          ))}
        </ol>
      )}
      {more && (
        <button type="button" className="button button--secondary" onClick={onLoadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
