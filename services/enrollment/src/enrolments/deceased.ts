import { maskIdNumber } from '@rmi/rules';
import { ConflictError } from '@rmi/service-kit';

/**
 * The one rule on death for enrolments, for registration (as of today) and for applying a
 * payment (as of the day it was paid) alike: nothing is enrolled or paid for a person as of a day
 * after the day they died. The day of death itself still counts.
 *
 * None of the notices speaks of death. Eligibility in all of them rests on a resident's hukou
 * (DOMAIN.md, "Eligibility"), which a death ends, so a payment dated after it is no contribution of
 * a resident and is refused for a refund to whoever paid. The day of death is read as a day the
 * person lived, as the targets already read it: the 2023 base "2022年10月30日实际户籍人数"
 * (002_760418c3a3365474.txt#一) counts a person who died on 2022-10-30 (targets.repository.ts). A
 * payment that completed on or before that day was the resident's own contribution and stands.
 *
 * Both refusals are 409, not 422: the request is well formed and the refusal comes from what the
 * register holds now. Once a death recorded in error is cleared (PATCH diedOn: null), the same
 * request succeeds, which is what a conflict with the resource's state means; and a payment
 * answered 409 is one payment-reconciliation parks for a person to settle, not one it may resend.
 */
export function assertAliveOn(person: { id_number: string; died_on: string | null }, day: string): void {
  if (person.died_on === null || person.died_on >= day) return;
  throw new ConflictError(
    'PERSON_DECEASED',
    `${maskIdNumber(person.id_number)} died on ${person.died_on}, before ${day}: nothing is enrolled or paid for them as of that day.`,
    { diedOn: person.died_on },
  );
}
