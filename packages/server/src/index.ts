export { startServer, addUser, resetPassword, runShellAdmin, setRegistrationPolicy, type ServerOptions, type RunningServer, type ShellTarget } from './server.js';
export type { StorageTarget } from './storage/index.js';
export { SETTINGS, SETTING_KEYS, type SettingKey } from './settings/service.js';
export { certificateFingerprint, normalizeFingerprint, fingerprintHex } from './tls/fingerprint.js';
export { lanAddresses } from './tls/certificate.js';
export { ServiceError } from './errors.js';
export { TrustedProxies, clientAddress } from './http/client-address.js';
export { SQLITE_FILE } from './storage/sqlite.js';
export type { LogLevel } from './logger.js';
