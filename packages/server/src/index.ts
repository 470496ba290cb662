export { startServer, addUser, setRegistrationPolicy, type ServerOptions, type RunningServer } from './server.js';
export { certificateFingerprint, normalizeFingerprint, fingerprintHex } from './tls/fingerprint.js';
export { lanAddresses } from './tls/certificate.js';
export { ServiceError } from './errors.js';
export { SQLITE_FILE } from './storage/sqlite.js';
export type { LogLevel } from './logger.js';
