import { createEventReceiver } from '@rmi/outbox';
import type { ReportingDb } from '../db.js';

/**
 * Events other services deliver (enrollment, subsidy-identity, payment-reconciliation), kept in
 * `reporting.received_events` by (source, id) so a redelivered batch adds nothing.
 */
export function createReceivedEventsRepository(db: ReportingDb) {
  return createEventReceiver(db, 'reporting');
}
