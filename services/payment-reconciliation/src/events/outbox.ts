import { PAYMENT_EVENTS, type PaymentTopic } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import { type AttachOutboxOptions, createEventRecorder, type EventWriter } from '@rmi/outbox';
import { eventSubscribers, type PaymentConfig } from '../config.js';

export type { PaymentTopic };

/** Where payment-reconciliation keeps its outbox (`payment.outbox`, its cursors and dead letters). */
export const PAYMENT_OUTBOX = { schema: 'payment', source: 'payment-reconciliation' } as const;

const recorder = createEventRecorder(PAYMENT_OUTBOX.schema, PAYMENT_EVENTS);

/** The events of a change run by the change runner, each checked against its topic's schema. */
export const writeEvents: EventWriter = recorder.writeEvents;

/** Delivery for `attachOutbox` in app.ts. */
export function outboxDelivery(db: Db, config: PaymentConfig): AttachOutboxOptions {
  return {
    ...PAYMENT_OUTBOX,
    db,
    subscribers: eventSubscribers(config),
    apiKey: config.SERVICE_API_KEY,
    pollMs: config.OUTBOX_POLL_MS,
    retentionDays: config.OUTBOX_RETENTION_DAYS,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
  };
}
