import type { DeliveredEvent, EventsReceived } from '@rmi/contracts';
import type { Kysely } from 'kysely';
import { assertSchemaName, tablesIn } from './outbox-tables.js';

/**
 * The receiving end: events other services deliver, kept in `<schema>.received_events` by
 * (source, id), so a redelivered batch (a crash between a publisher's POST and its cursor update,
 * a retried dead letter, two deliveries racing) adds nothing and is counted as duplicates.
 */
export function createEventReceiver(db: Kysely<any>, schema: string) {
  assertSchemaName(schema);
  return {
    /**
     * Stores the events not seen before, in one statement. A concurrent delivery of the same
     * events waits on the first one's rows and then skips them, so each is counted once.
     */
    async store(source: string, events: readonly DeliveredEvent[]): Promise<EventsReceived> {
      if (events.length === 0) return { received: 0, duplicates: 0 };
      const inserted = await tablesIn(db, schema)
        .insertInto('received_events')
        .values(events.map((e) => ({ source, id: e.id, topic: e.topic, payload: JSON.stringify(e.payload) })))
        .onConflict((oc) => oc.columns(['source', 'id']).doNothing())
        .returning('id')
        .execute();
      return { received: inserted.length, duplicates: events.length - inserted.length };
    },
  };
}

export type EventReceiver = ReturnType<typeof createEventReceiver>;
