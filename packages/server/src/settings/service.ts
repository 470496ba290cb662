import type { SettingsStore } from './store.js';

/** How new accounts may be created: with an invite code, by anyone, or not at all. */
export type RegistrationPolicy = 'invite' | 'open' | 'closed';

/** Documented defaults, seeded into the database on first start. */
export const SETTING_DEFAULTS = {
  registration: 'invite' as RegistrationPolicy,
};

/** Typed access to the persistent runtime settings. */
export class SettingsService {
  constructor(private readonly store: SettingsStore) {}

  /** Writes every default that has no stored value yet. */
  async seedDefaults(): Promise<void> {
    await this.store.setDefault('registration', SETTING_DEFAULTS.registration);
  }

  async registrationPolicy(): Promise<RegistrationPolicy> {
    const value = await this.store.get('registration');
    return value === 'open' || value === 'closed' || value === 'invite' ? value : SETTING_DEFAULTS.registration;
  }

  /** @throws Error when `policy` is not one of `invite`, `open`, `closed`. */
  async setRegistrationPolicy(policy: string): Promise<void> {
    if (policy !== 'open' && policy !== 'closed' && policy !== 'invite') {
      throw new Error(`registration must be invite, open or closed (got "${policy}")`);
    }
    await this.store.set('registration', policy);
  }
}
