import type { EventBatch, EventsReceived } from '@rmi/contracts';
import { createEventReceiver } from '@rmi/outbox';
import { maskIdNumbersInJson } from '@rmi/rules';
import type { ReportingDb } from '../db.js';
import { keysOf } from './counter-keys.js';
import { refreshCounters } from './refresh-counters.js';

/** Where a delivery says what it left alone. */
export interface EventsLog {
  warn(details: Record<string, unknown>, message: string): void;
}

/**
 * A batch from enrollment, subsidy-identity or payment-reconciliation: kept in
 * `reporting.received_events` by (source, id), and the counters its new events touch recomputed
 * from the views, in one transaction. A redelivery stores nothing and so refreshes nothing; a crash
 * leaves neither. An event of a topic reporting does not know, or whose payload it cannot read, is
 * kept and left alone: refusing it would stop the publisher's whole stream behind it.
 */
export async function receiveEvents(db: ReportingDb, batch: EventBatch, log: EventsLog): Promise<EventsReceived> {
  const { counts, ignored } = await db.transaction().execute(async (trx) => {
    const { counts, stored } = await createEventReceiver(trx, 'reporting').storeNew(batch.source, batch.events);
    const { keys, ignored } = keysOf(stored);
    await refreshCounters(trx, keys);
    return { counts, ignored };
  });
  if (ignored.length > 0) {
    // Payloads are the sender's: whatever they hold, no ID number reaches the log in clear.
    const details = JSON.parse(maskIdNumbersInJson(JSON.stringify({ source: batch.source, ignored })));
    log.warn(details, 'events stored but not counted: unknown topic or unreadable payload');
  }
  return counts;
}
