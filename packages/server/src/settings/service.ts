import { blobSizeFor, DEFAULT_FILE_QUOTA_MB, DEFAULT_MAX_FILE_MB, LIMITS, paddedFileSize, type SettingInfo } from '@conclave/protocol';
import { ServiceError } from '../errors.js';
import type { SettingsStore } from './store.js';

/** How new accounts may be created: with an invite code, by anyone, or not at all. */
export type RegistrationPolicy = 'invite' | 'open' | 'closed';

/** Who may create a room by joining a name that does not exist yet. */
export type RoomCreationPolicy = 'anyone' | 'admins';

/** One setting: its documented default, what it means, and how a value is checked. */
interface SettingSpec {
  default: string;
  description: string;
  /** The canonical stored value, or an explanation of what is allowed. */
  parse(value: string): { ok: true; value: string } | { ok: false; allowed: string };
}

const oneOf = (...choices: string[]): SettingSpec['parse'] => (value) => {
  const v = value.trim().toLowerCase();
  return choices.includes(v) ? { ok: true, value: v } : { ok: false, allowed: choices.join(' | ') };
};

const integer = (min: number, max: number): SettingSpec['parse'] => (value) => {
  const n = Number(value.trim());
  return Number.isInteger(n) && n >= min && n <= max ? { ok: true, value: String(n) } : { ok: false, allowed: `a whole number from ${min} to ${max}` };
};

/**
 * Every runtime setting with its documented default (README "Settings").
 * Seeded into the database on first start; `/set`, `conclave admin set` and
 * the admin page change them, and a restart keeps the stored values.
 */
export const SETTINGS = {
  registration: {
    default: 'invite',
    description: 'who may create an account: invite (with an admin\'s /invite code), open (anyone), closed (only admins add users)',
    parse: oneOf('invite', 'open', 'closed'),
  },
  retention_days: {
    default: '90',
    description: 'days the server keeps encrypted messages (0 = forever); older ones are deleted hourly',
    parse: integer(0, 36500),
  },
  max_message_bytes: {
    default: String(LIMITS.maxBodyBytes),
    description: `largest message text in bytes (at most ${LIMITS.maxBodyBytes})`,
    parse: integer(256, LIMITS.maxBodyBytes),
  },
  login_max_failures_per_address: {
    default: '30',
    description: 'failed logins from one address within the window before it must wait',
    parse: integer(1, 100_000),
  },
  login_max_failures_per_account: {
    default: '10',
    description: 'failed logins for one username from one address within the window before that address must wait for it; each further lock-out within a day doubles the wait',
    parse: integer(1, 100_000),
  },
  login_window_minutes: {
    default: '15',
    description: 'length of the failed-login window, in minutes',
    parse: integer(1, 1440),
  },
  room_creation: {
    default: 'anyone',
    description: 'who may create rooms: anyone, or admins',
    parse: oneOf('anyone', 'admins'),
  },
  max_devices_per_user: {
    default: '10',
    description: 'devices one user may have; a login with new keys at the cap removes their longest-unseen device that is not connected',
    parse: integer(1, 1000),
  },
  rooms_per_user_per_hour: {
    default: '20',
    description: 'rooms one member may create per hour (admins are not limited)',
    parse: integer(1, 100_000),
  },
  max_connections_per_address: {
    default: '200',
    description: 'WebSocket connections open at once from one client address (behind a reverse proxy: set --trust-proxy, or every client shares the proxy\'s address)',
    parse: integer(1, 1_000_000),
  },
  max_preauth_connections_per_address: {
    default: '20',
    description: 'of those, connections not yet logged in from one client address',
    parse: integer(1, 1_000_000),
  },
  max_connections_per_session: {
    default: '10',
    description: 'WebSocket connections open at once on one session (one login\'s token)',
    parse: integer(1, 10_000),
  },
  login_max_failures_per_account_all_addresses: {
    default: '100',
    description: 'failed logins for one username from all addresses together within the window before every address must wait for it (the ceiling against many addresses)',
    parse: integer(1, 1_000_000),
  },
  max_file_mb: {
    default: String(DEFAULT_MAX_FILE_MB),
    description: 'largest file members may share, in MiB (before encryption; the encrypted upload is a little larger)',
    parse: integer(1, 2048),
  },
  file_quota_mb: {
    default: String(DEFAULT_FILE_QUOTA_MB),
    description: 'encrypted files one user may have stored at once, in MiB (0 = no limit); files go with their messages\' retention',
    parse: integer(0, 1_048_576),
  },
} as const satisfies Record<string, SettingSpec>;

/** A setting's key, e.g. `registration`. */
export type SettingKey = keyof typeof SETTINGS;

/** Setting keys in documentation order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

/**
 * Login throttling in force: password failures allowed within `windowMs` from
 * one address (any account), for one account from one address, and for one
 * account from all addresses together.
 */
export interface LoginLimits {
  perAddress: number;
  perAccountAddress: number;
  perAccount: number;
  windowMs: number;
}

/** Connection caps: open WebSockets per client address (all, and not yet authenticated) and per session. */
export interface ConnectionCaps {
  perAddress: number;
  preAuthPerAddress: number;
  perSession: number;
}

/** Bytes in a MiB. */
const MIB = 1024 * 1024;

/** How long a value read from the store is reused, ms (the message path reads `max_message_bytes`). */
const CACHE_MS = 1_000;

/**
 * Typed access to the persistent runtime settings. Values are re-read from
 * the store at most every `CACHE_MS`, so one changed from the shell
 * (`conclave admin set`) while the server runs takes effect within a second;
 * one changed through this service, at once.
 */
export class SettingsService {
  private readonly cache = new Map<SettingKey, { value: string; until: number }>();

  constructor(
    private readonly store: SettingsStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes every default that has no stored value yet. */
  async seedDefaults(): Promise<void> {
    for (const key of SETTING_KEYS) await this.store.setDefault(key, SETTINGS[key].default);
  }

  /** The value in force (the default when the stored one is missing or no longer valid). */
  async get(key: SettingKey): Promise<string> {
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.until > this.now()) return cached.value;
    const stored = await this.store.get(key);
    const parsed = stored === undefined ? undefined : SETTINGS[key].parse(stored);
    const value = parsed?.ok ? parsed.value : SETTINGS[key].default;
    this.cache.set(key, { value, until: this.now() + CACHE_MS });
    return value;
  }

  /** A setting as shown by `/settings`. */
  async info(key: SettingKey): Promise<SettingInfo> {
    return { key, value: await this.get(key), default: SETTINGS[key].default, description: SETTINGS[key].description };
  }

  /** Every setting, in documentation order. */
  async list(): Promise<SettingInfo[]> {
    return Promise.all(SETTING_KEYS.map((key) => this.info(key)));
  }

  /**
   * Validates and stores a value.
   * @returns the setting as now in force.
   * @throws ServiceError SETTING_UNKNOWN (no such key), SETTING_INVALID (its message says what is allowed)
   */
  async set(key: string, value: string): Promise<SettingInfo> {
    const name = key.trim().toLowerCase().replaceAll('-', '_');
    if (!isSettingKey(name)) {
      const known = SETTING_KEYS.join(', ');
      throw new ServiceError('CONCLAVE_ERR_SETTING_UNKNOWN', `known: ${known}`, { message: `No setting "${key.slice(0, 64)}". The settings are: ${known}.` });
    }
    const parsed = SETTINGS[name].parse(value);
    if (!parsed.ok) {
      const allowed = `${name} must be ${parsed.allowed}`;
      throw new ServiceError('CONCLAVE_ERR_SETTING_INVALID', allowed, { message: `${allowed}.` });
    }
    await this.store.set(name, parsed.value);
    this.cache.delete(name);
    return this.info(name);
  }

  /** Drops the cached value of `key` (another node changed it): the next read goes to the store. */
  forget(key: string): void {
    if (isSettingKey(key)) this.cache.delete(key);
  }

  async registrationPolicy(): Promise<RegistrationPolicy> {
    return (await this.get('registration')) as RegistrationPolicy;
  }

  async roomCreation(): Promise<RoomCreationPolicy> {
    return (await this.get('room_creation')) as RoomCreationPolicy;
  }

  /** Largest message text in UTF-8 bytes. */
  async maxMessageBytes(): Promise<number> {
    return Number(await this.get('max_message_bytes'));
  }

  /** Message retention in ms; 0 keeps messages forever. */
  async retentionMs(): Promise<number> {
    return Number(await this.get('retention_days')) * 24 * 3600_000;
  }

  /**
   * Largest upload in bytes of ciphertext: a file of `max_file_mb` MiB,
   * padded (`paddedFileSize`) and encrypted in chunks (`blobSizeFor`).
   */
  async maxBlobBytes(): Promise<number> {
    return blobSizeFor(paddedFileSize(await this.maxFileBytes()));
  }

  /** Largest file in bytes of plaintext (setting `max_file_mb`), as the `hello` frame tells clients. */
  async maxFileBytes(): Promise<number> {
    return Number(await this.get('max_file_mb')) * MIB;
  }

  /** Bytes of blobs one user may have stored at once (setting `file_quota_mb`); 0 = no limit. */
  async fileQuotaBytes(): Promise<number> {
    return Number(await this.get('file_quota_mb')) * MIB;
  }

  /** Devices one user may have (setting `max_devices_per_user`). */
  async maxDevicesPerUser(): Promise<number> {
    return Number(await this.get('max_devices_per_user'));
  }

  /** Rooms one member may create per hour (setting `rooms_per_user_per_hour`). */
  async roomsPerUserPerHour(): Promise<number> {
    return Number(await this.get('rooms_per_user_per_hour'));
  }

  /** Connection caps in force (settings `max_connections_per_address`, `max_preauth_connections_per_address`, `max_connections_per_session`). */
  async connectionCaps(): Promise<ConnectionCaps> {
    const [perAddress, preAuthPerAddress, perSession] = await Promise.all([
      this.get('max_connections_per_address'),
      this.get('max_preauth_connections_per_address'),
      this.get('max_connections_per_session'),
    ]);
    return { perAddress: Number(perAddress), preAuthPerAddress: Number(preAuthPerAddress), perSession: Number(perSession) };
  }

  /** Login throttling in force (settings `login_max_failures_per_address`, `…_per_account`, `…_per_account_all_addresses`, `login_window_minutes`). */
  async loginLimits(): Promise<LoginLimits> {
    const [perAddress, perAccountAddress, perAccount, minutes] = await Promise.all([
      this.get('login_max_failures_per_address'),
      this.get('login_max_failures_per_account'),
      this.get('login_max_failures_per_account_all_addresses'),
      this.get('login_window_minutes'),
    ]);
    return { perAddress: Number(perAddress), perAccountAddress: Number(perAccountAddress), perAccount: Number(perAccount), windowMs: Number(minutes) * 60_000 };
  }
}
