import type { Logger } from 'pino';
import type { BlobService } from './blobs/service.js';
import type { DeliveryService } from './delivery/service.js';
import type { SettingsService } from './settings/service.js';

/** How often expired messages and files are purged (the `retention_days` setting), ms. */
export const RETENTION_SWEEP_MS = 3600_000;

/** What the retention sweep purges, and by which clock. */
export interface RetentionSweepDeps {
  delivery: DeliveryService;
  blobs: BlobService;
  settings: SettingsService;
  log: Logger;
  /** ms since the Unix epoch; tests move it forward instead of waiting. */
  now: () => number;
}

/**
 * One purge at `now()`: application messages older than `retention_days`,
 * then the links of files to them and every file no message announces any
 * more, or that none announced within `ORPHAN_BLOB_MS` of its upload (also
 * when `retention_days` is 0). Failures are logged, never thrown.
 */
export async function sweepOnce(deps: RetentionSweepDeps): Promise<void> {
  const now = deps.now();
  try {
    const messages = await deps.delivery.purgeExpired(now);
    if (messages > 0) deps.log.info({ deleted: messages }, 'expired messages purged');
    const files = await deps.blobs.purge(now, await deps.settings.retentionMs());
    if (files.blobs > 0 || files.temp > 0) deps.log.info({ deleted: files.blobs, links: files.links, unfinished: files.temp }, 'expired files purged');
  } catch (err) {
    deps.log.error({ err }, 'purge failed');
  }
}

/**
 * Purges once now (awaited), then every `RETENTION_SWEEP_MS` (the timer does
 * not keep the process alive).
 * @returns a function that stops the timer
 */
export async function startRetentionSweep(deps: RetentionSweepDeps): Promise<() => void> {
  await sweepOnce(deps);
  const timer = setInterval(() => void sweepOnce(deps), RETENTION_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
