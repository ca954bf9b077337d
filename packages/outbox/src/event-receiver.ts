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
  /**
   * Stores the events not seen before, in one statement, and answers those this call stored. A
   * concurrent delivery of the same events waits on the first one's rows and then skips them.
   */
  async function storeNew(
    source: string,
    events: readonly DeliveredEvent[],
  ): Promise<{ counts: EventsReceived; stored: DeliveredEvent[] }> {
    if (events.length === 0) return { counts: { received: 0, duplicates: 0 }, stored: [] };
    // In id order, so deliveries overlapping in another order queue on the first shared id
    // instead of each holding one the other waits for.
    const rows = [...events]
      .sort((a, b) => a.id - b.id)
      .map((e) => ({ source, id: e.id, topic: e.topic, payload: JSON.stringify(e.payload) }));
    const inserted = await tablesIn(db, schema)
      .insertInto('received_events')
      .values(rows)
      .onConflict((oc) => oc.columns(['source', 'id']).doNothing())
      .returning('id')
      .execute();
    const ids = new Set(inserted.map((r) => Number(r.id)));
    // An id twice in one batch is stored once: its first copy.
    const stored = events.filter((e) => ids.delete(e.id));
    return { counts: { received: inserted.length, duplicates: events.length - inserted.length }, stored };
  }

  return {
    /** Stores the events not seen before; each is counted once, however many deliveries race. */
    async store(source: string, events: readonly DeliveredEvent[]): Promise<EventsReceived> {
      return (await storeNew(source, events)).counts;
    },

    /**
     * As `store`, with the events this call stored. A receiver that acts on events stores them and
     * acts on `stored` in one transaction: a redelivery, or a delivery racing it, acts on nothing.
     */
    storeNew,
  };
}

export type EventReceiver = ReturnType<typeof createEventReceiver>;
