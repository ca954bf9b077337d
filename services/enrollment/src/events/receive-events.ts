import { type EnrollmentEventsReceived, type EventBatch, readEvent } from '@rmi/contracts';
import { createEventReceiver } from '@rmi/outbox';
import type { Actor } from '@rmi/service-kit';
import type { RunChange } from '../db.js';
import { type ReportedDeath, recordDeathIn } from '../enrolments/record-death.js';

/**
 * Events other services deliver to enrollment (`POST /v1/events`). Every event is kept in
 * `enrollment.received_events` by (source, id); of those, enrollment acts on deaths
 * (`person.died`). Other topics, known or not, are kept and left alone: refusing one would stop the
 * publisher's whole stream behind it.
 *
 * Storing and acting are one change: the events stored and what the deaths did (the register, the
 * cancellations, their audit rows and events) commit together or not at all, so a crash between the
 * two never loses a death or acts on one twice, and a redelivery, which stores nothing, does nothing.
 */
export function createEventsService(deps: { change: RunChange }) {
  return Object.freeze({
    async receive(actor: Actor, batch: EventBatch): Promise<EnrollmentEventsReceived> {
      return deps.change(actor, async (change) => {
        const receiver = createEventReceiver(change.trx, 'enrollment');
        const { counts, stored } = await receiver.storeNew(batch.source, batch.events);
        const deaths = { applied: 0, enrolmentsCancelled: 0, unknownPersons: 0, invalid: 0 };
        const reported: Array<{ death: ReportedDeath; eventId: number }> = [];
        for (const event of stored) {
          if (event.topic !== 'person.died') continue;
          const read = readEvent(event);
          if (read.ok && read.event.topic === 'person.died')
            reported.push({ death: read.event.payload, eventId: event.id });
          else deaths.invalid += 1;
        }
        // Persons are locked in ID-number order, so two deliveries of overlapping deaths queue
        // rather than wait on each other in a circle.
        reported.sort((a, b) => a.death.idNumber.localeCompare(b.death.idNumber) || a.eventId - b.eventId);
        for (const { death, eventId } of reported) {
          const outcome = await recordDeathIn(change, death, { source: batch.source, eventId });
          if (outcome.kind === 'applied') {
            deaths.applied += 1;
            deaths.enrolmentsCancelled += outcome.enrolmentsCancelled;
          } else if (outcome.kind === 'unknown-person') deaths.unknownPersons += 1;
          else deaths.invalid += 1;
        }
        return { ...counts, deaths };
      });
    },
  });
}

export type EventsService = ReturnType<typeof createEventsService>;
