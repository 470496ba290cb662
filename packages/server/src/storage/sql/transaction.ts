import type { Kysely, Transaction } from 'kysely';
import { isRetryableTransactionError } from '../../errors.js';
import type { Database } from '../schema.js';

/** Attempts of one transaction before a deadlock or serialization failure reaches the caller. */
const ATTEMPTS = 5;

/**
 * Runs `body` in a transaction; on PostgreSQL, when the transaction is
 * aborted by a deadlock (`40P01`) or a serialization failure (`40001`), runs
 * it again from the start (up to 5 attempts, after a random 1–10 ms × attempt
 * pause so two nodes do not collide again in step). PostgreSQL docs §13.3.4:
 * "the transaction can be retried". `body` must therefore have no effect
 * outside the database. On SQLite it is exactly one transaction.
 * @throws whatever `body` throws, or the last retryable error after 5 attempts
 */
export async function transaction<T>(db: Kysely<Database>, body: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(body);
    } catch (err) {
      if (attempt >= ATTEMPTS || !isRetryableTransactionError(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, attempt * (1 + Math.random() * 9)));
    }
  }
}
