/** Persistence of runtime settings as text key/value pairs. */
export interface SettingsStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Stores `value` only when `key` has none yet (seeding defaults). */
  setDefault(key: string, value: string): Promise<void>;
}
