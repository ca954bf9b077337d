import type { DeliveredEvent } from '@rmi/contracts';
import type { Db } from '@rmi/db';

/** Events other services deliver, kept by (source, id) so a redelivered batch adds nothing. */
export function createReceivedEventsRepository(db: Db) {
  return {
    /** Stores the events not seen before, in one statement; returns how many were new. */
    async store(source: string, events: readonly DeliveredEvent[]): Promise<number> {
      const inserted = await db
        .insertInto('reporting.received_events')
        .values(events.map((e) => ({ source, id: e.id, topic: e.topic, payload: JSON.stringify(e.payload) })))
        .onConflict((oc) => oc.columns(['source', 'id']).doNothing())
        .returning('id')
        .execute();
      return inserted.length;
    },
  };
}
