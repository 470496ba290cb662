import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConclaveError } from '../src/index.js';
import { retryRule, RETRY_RULES } from '../src/sending/sender.js';

test('the outbox retry rules: resend on ready, retry now or after 1 s, stop on close, refuse otherwise', () => {
  assert.deepEqual(retryRule(new ConclaveError('CONCLAVE_ERR_DISCONNECTED')), { action: 'resend-on-ready' });
  assert.deepEqual(retryRule(new ConclaveError('CONCLAVE_ERR_TIMEOUT')), { action: 'retry', delayMs: 0 });
  assert.deepEqual(retryRule(new ConclaveError('CONCLAVE_ERR_RATE_LIMITED')), { action: 'retry', delayMs: 1_000 });
  assert.deepEqual(retryRule(new ConclaveError('CONCLAVE_ERR_CLOSED')), { action: 'stop' });
  assert.deepEqual(retryRule(new ConclaveError('CONCLAVE_ERR_NOT_MEMBER')), { action: 'refuse' });
  assert.deepEqual(retryRule(new Error('boom')), { action: 'refuse' });
  assert.equal(Object.keys(RETRY_RULES).length, 4);
});
