/** What other packages may reuse from the terminal client. */
export { certificateFingerprint, normalizeFingerprint, fingerprintToHex } from './tls/fingerprint.js';
