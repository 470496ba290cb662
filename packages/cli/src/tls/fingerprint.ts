/**
 * Certificate fingerprints (`SHA256:<base64>`, ssh style). One implementation
 * serves the server's start-up banner and the client's pinning.
 */
export { certificateFingerprint, normalizeFingerprint, fingerprintHex as fingerprintToHex } from '@conclave/server';
