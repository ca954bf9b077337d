import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { assertSchemaName, tablesIn } from './outbox-tables.js';

/** An event a change publishes. */
export interface PendingEvent {
  topic: string;
  payload: Record<string, unknown>;
}

/** Writes a change's events into the service's outbox, inside the transaction it is given. */
export type EventWriter = (trx: Kysely<any>, events: readonly PendingEvent[]) => Promise<void>;

/** A publisher's topics and the schema of each one's payload (see `@rmi/contracts` event-payloads). */
export type TopicSchemas = Record<string, z.ZodType<Record<string, unknown>>>;

/**
 * An event that does not fit its topic: a programming error, so the change it belongs to is rolled
 * back with it. The message names the fields, never their values (they may be personal data).
 */
export class EventPayloadError extends Error {
  constructor(
    readonly topic: string,
    readonly problems: string[],
  ) {
    super(`event ${topic} does not fit its schema: ${problems.join('; ')}`);
    this.name = 'EventPayloadError';
  }
}

export interface EventRecorder<S extends TopicSchemas> {
  /** Writes one event in the caller's transaction: it commits with the change or not at all. */
  recordEvent<T extends keyof S & string>(trx: Kysely<any>, topic: T, payload: z.input<S[T]>): Promise<void>;
  /** Writes events in the caller's transaction, in their order; each is checked against its topic. */
  writeEvents: EventWriter;
}

/**
 * Recording for one service's outbox (`<schema>.outbox`). Each payload is checked against its
 * topic's schema before it is written, and stored as parsed: a topic the service does not publish,
 * or a field its schema does not list, fails the transaction instead of reaching a subscriber.
 */
export function createEventRecorder<S extends TopicSchemas>(schema: string, topics: S): EventRecorder<S> {
  assertSchemaName(schema);

  function checked(event: PendingEvent): Record<string, unknown> {
    const topicSchema = Object.hasOwn(topics, event.topic) ? topics[event.topic] : undefined;
    if (!topicSchema) throw new EventPayloadError(event.topic, [`${schema} publishes no such topic`]);
    const parsed = topicSchema.safeParse(event.payload);
    if (!parsed.success) {
      throw new EventPayloadError(
        event.topic,
        parsed.error.issues.map((issue) => {
          const keys = 'keys' in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(', ')})` : '';
          return `${issue.path.join('.') || 'payload'}: ${issue.code}${keys}`;
        }),
      );
    }
    return parsed.data;
  }

  const writeEvents: EventWriter = async (trx, events) => {
    if (events.length === 0) return;
    const rows = events.map((event) => ({ topic: event.topic, payload: JSON.stringify(checked(event)) }));
    // One statement: the ids, and so the delivery order, follow the order of `events`.
    await tablesIn(trx, schema).insertInto('outbox').values(rows).execute();
  };

  return {
    writeEvents,
    recordEvent: (trx, topic, payload) => writeEvents(trx, [{ topic, payload: payload as Record<string, unknown> }]),
  };
}
