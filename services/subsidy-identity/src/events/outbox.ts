import { IDENTITY_EVENTS, type IdentityTopic } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import { type AttachOutboxOptions, createEventRecorder, type EventWriter } from '@rmi/outbox';
import { eventSubscribers, type SubsidyIdentityConfig } from '../config.js';

export type { IdentityTopic };

/** Where subsidy-identity keeps its outbox (`identity.outbox`, its cursors and dead letters). */
export const IDENTITY_OUTBOX = { schema: 'identity', source: 'subsidy-identity' } as const;

const recorder = createEventRecorder(IDENTITY_OUTBOX.schema, IDENTITY_EVENTS);

/** The events of a change run by the change runner, each checked against its topic's schema. */
export const writeEvents: EventWriter = recorder.writeEvents;

/** Delivery for `attachOutbox` in app.ts. */
export function outboxDelivery(db: Db, config: SubsidyIdentityConfig): AttachOutboxOptions {
  return {
    ...IDENTITY_OUTBOX,
    db,
    subscribers: eventSubscribers(config),
    apiKey: config.SERVICE_API_KEY,
    pollMs: config.OUTBOX_POLL_MS,
    retentionDays: config.OUTBOX_RETENTION_DAYS,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
  };
}
