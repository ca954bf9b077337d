import type { EventPayload, FieldError } from '@rmi/contracts';
import type { EnrollmentDatabase } from '@rmi/db';
import { maskIdNumber } from '@rmi/rules';
import { type Change, ValidationError } from '@rmi/service-kit';
import { createPersonsRepository } from '../persons/persons.repository.js';
import { updatePersonIn } from '../persons/update-person.js';
import { createEnrolmentsRepository } from './enrolments.repository.js';
import { cancelIn } from './transitions.js';

export type ReportedDeath = EventPayload<'person.died'>;

export type DeathOutcome =
  | { kind: 'applied'; diedOn: string; enrolmentsCancelled: number }
  | { kind: 'unknown-person' }
  | { kind: 'invalid'; errors: FieldError[] };

/**
 * A death a department reported (contracts/identity-feeds.md, "Deaths"), inside the change that
 * stored its event: the person's `diedOn` is recorded as a PATCH records it, and every registration
 * not yet paid, of any year, is cancelled with reason `death` as of that day, as an operator's
 * cancellation does. A paid enrolment keeps its record: its payment was the resident's own
 * (enrolments/deceased.ts).
 *
 * When the register already holds another day, the earlier of the two is kept. Deaths arrive from
 * more than one hand (an operator's PATCH, a health or a civil-affairs list) and events may arrive
 * out of order (a dead letter retried later), so the rule must give the same register whatever the
 * order: the earliest day does, and it is the stricter one for payments dated after it. A day recorded
 * in error is corrected by an operator (PATCH diedOn), which no later report of a later day undoes.
 *
 * A person enrollment has not registered has nothing to cancel: `unknown-person`, nothing written.
 */
export async function recordDeathIn(
  change: Change<EnrollmentDatabase>,
  death: ReportedDeath,
  origin: { source: string; eventId: number },
): Promise<DeathOutcome> {
  // Locked before their enrolments, as a payment locks them, so the two queue instead of deadlocking.
  const person = await createPersonsRepository(change.trx).findForUpdate(death.idNumber);
  if (!person) return { kind: 'unknown-person' };
  const diedOn = person.died_on !== null && person.died_on <= death.diedOn ? person.died_on : death.diedOn;
  if (diedOn !== person.died_on) {
    try {
      await updatePersonIn(change, death.idNumber, { diedOn });
    } catch (err) {
      // Nothing is written before the checks refuse (a day before birth or after today): the other
      // deaths of the delivery go on, and this one is counted as not acted on.
      if (err instanceof ValidationError) return { kind: 'invalid', errors: err.errors };
      throw err;
    }
  }
  const registered = await createEnrolmentsRepository(change.trx).registeredForUpdate(death.idNumber);
  for (const row of registered) await cancelIn(change, row, 'death', diedOn);
  change.audit({
    action: 'person.death-report',
    entity: 'person',
    entityId: maskIdNumber(death.idNumber),
    regionCode: person.hukou_region_code,
    details: {
      department: death.department,
      reportedDiedOn: death.diedOn,
      diedOn,
      enrolmentsCancelled: registered.map((r) => r.year),
      event: `${origin.source}/${origin.eventId}`,
    },
  });
  return { kind: 'applied', diedOn, enrolmentsCancelled: registered.length };
}
