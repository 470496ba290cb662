import { createRequire } from 'node:module';
import { hash, verify } from '@node-rs/argon2';
import { ACCOUNT_RULES, passwordCharacterProblem } from '@conclave/protocol';
import { ServiceError } from '../errors.js';

/**
 * Argon2id at the OWASP Password Storage Cheat Sheet's first recommendation:
 * m = 19 MiB, t = 2, p = 1. `@node-rs/argon2` runs the hash on libuv's thread
 * pool, off the event loop.
 */
// `algorithm: 2` is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const require = createRequire(import.meta.url);
let commonList: { test(password: string): boolean } | undefined;

/** True when `password` is on Mozilla's list of common passwords (fxa-common-password-list). */
export function isCommonPassword(password: string): boolean {
  commonList ??= require('fxa-common-password-list') as { test(password: string): boolean };
  return commonList.test(password) || commonList.test(password.toLowerCase());
}

/** Why a password is refused, or null when it is acceptable (8–1024 chars, not common). */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < ACCOUNT_RULES.passwordMinChars) return 'too short';
  if (length > ACCOUNT_RULES.passwordMaxChars) return 'too long';
  if (isCommonPassword(password)) return 'common';
  return null;
}

/**
 * Refuses a password a user may not choose: one with a control character (the
 * `@conclave/protocol` rule, with its own message), or too short, too long or
 * common (`passwordProblem`, the catalogue's message). Login never applies it.
 * @throws ServiceError PASSWORD_WEAK
 */
export function assertAcceptablePassword(password: string): void {
  const characters = passwordCharacterProblem(password);
  if (characters !== null) throw new ServiceError('CONCLAVE_ERR_PASSWORD_WEAK', 'control character', { message: characters });
  const problem = passwordProblem(password);
  if (problem) throw new ServiceError('CONCLAVE_ERR_PASSWORD_WEAK', problem);
}

/** Argon2id PHC string of `password`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Constant-time check of `password` against a PHC string; false on a malformed hash. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** A hash to verify against when the user does not exist, so both cases cost the same time. */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('conclave-no-such-user-placeholder');
  return dummyHash;
}
