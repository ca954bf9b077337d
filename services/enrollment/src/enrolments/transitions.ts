import type { EnrollmentDatabase } from '@rmi/db';
import { maskIdNumber } from '@rmi/rules';
import { type Change, ConflictError } from '@rmi/service-kit';
import { createEnrolmentsRepository, type EnrolmentRow } from './enrolments.repository.js';

type Changes = Parameters<ReturnType<typeof createEnrolmentsRepository>['update']>[2];

/**
 * Moves an enrolment the caller has locked to its next state inside `change`, with its audit row
 * and its event: the one way an enrolment is cancelled or transferred, by an operator or by a death.
 */
export async function transitionIn(
  change: Change<EnrollmentDatabase>,
  current: EnrolmentRow,
  topic: 'enrolment.cancelled' | 'enrolment.transferred',
  next: Changes,
): Promise<EnrolmentRow> {
  const { id_number: idNumber, year } = current;
  const updated = await createEnrolmentsRepository(change.trx).update(idNumber, year, next);
  change.audit({
    action: topic,
    entity: 'enrolment',
    entityId: `${maskIdNumber(idNumber)}/${year}`,
    regionCode: updated.region_code,
    details: { from: current.status, to: updated.status },
  });
  change.emit(topic, { idNumber, year, regionCode: updated.region_code, status: updated.status });
  return updated;
}

/** Cancels a locked enrolment for `reason` as of `on`; one already cancelled or transferred is 409. */
export function cancelIn(
  change: Change<EnrollmentDatabase>,
  current: EnrolmentRow,
  reason: 'death' | 'moved' | 'duplicate',
  on: string,
): Promise<EnrolmentRow> {
  if (current.status === 'cancelled' || current.status === 'transferred') {
    throw new ConflictError('INVALID_TRANSITION', `A ${current.status} enrolment cannot be cancelled.`);
  }
  return transitionIn(change, current, 'enrolment.cancelled', {
    status: 'cancelled',
    cancel_reason: reason,
    cancelled_on: on,
  });
}
