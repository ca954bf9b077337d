import type { Db } from '@rmi/db';
import type { AttachOutboxOptions } from '@rmi/outbox';
import { type EnrollmentConfig, eventSubscribers } from '../config.js';
import { ENROLLMENT_OUTBOX } from './outbox.js';

/**
 * Enrollment's delivery, for `attachOutbox` in app.ts: `enrollment.outbox` to `EVENT_SUBSCRIBERS`
 * (reporting by default) with the service key, under the configured poll, retention and
 * dead-letter limit.
 */
export function outboxDelivery(db: Db, config: EnrollmentConfig): AttachOutboxOptions {
  return {
    ...ENROLLMENT_OUTBOX,
    db,
    subscribers: eventSubscribers(config),
    apiKey: config.SERVICE_API_KEY,
    pollMs: config.OUTBOX_POLL_MS,
    retentionDays: config.OUTBOX_RETENTION_DAYS,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
  };
}
