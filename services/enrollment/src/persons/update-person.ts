import type { FieldError, UpdatePersonBody } from '@rmi/contracts';
import type { EnrollmentDatabase, PersonsTable } from '@rmi/db';
import { maskIdNumber } from '@rmi/rules';
import {
  type Actor,
  assertRegionInScope,
  type Change,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '@rmi/service-kit';
import { sql, type Updateable } from 'kysely';
import type { EnrollmentDb, RunChange } from '../db.js';
import { createHouseholdsRepository } from './households.repository.js';
import { assertGuardianRegistered } from './person-checks.js';
import { createPersonsRepository, type PersonRow } from './persons.repository.js';

/** The person's household changed between looking and locking; the transaction starts over. */
class HouseholdMoved extends Error {}

const ATTEMPTS = 3;

type Changeable = 'name' | 'phone' | 'category' | 'school' | 'guardian_id_number' | 'hukou_region_code' | 'died_on';

/** The request's field names, as audit rows show them, and where each is stored. */
const COLUMN_OF: Record<keyof UpdatePersonBody, Changeable> = {
  name: 'name',
  phone: 'phone',
  category: 'category',
  school: 'school',
  guardianIdNumber: 'guardian_id_number',
  hukouRegionCode: 'hukou_region_code',
  diedOn: 'died_on',
};

/**
 * Applies a PATCH in one transaction with its audit row. Moving villages takes the person out of
 * the old village's household; its head may go only when nobody else is left in it.
 */
export async function updatePerson(
  change: RunChange,
  actor: Actor,
  idNumber: string,
  body: UpdatePersonBody,
): Promise<PersonRow> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await change(actor, (c) => updatePersonIn(c, idNumber, body));
    } catch (err) {
      if (!(err instanceof HouseholdMoved) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/**
 * The PATCH inside a change the caller runs (a death reported by a department goes this way too):
 * the same checks, audit row and `person.updated` event. A bad value throws ValidationError before
 * anything is written.
 */
export async function updatePersonIn(change: Change<EnrollmentDatabase>, idNumber: string, body: UpdatePersonBody) {
  const { trx } = change;
  const persons = createPersonsRepository(trx);
  const households = createHouseholdsRepository(trx);
  const seen = await persons.find(idNumber);
  if (!seen) throw new NotFoundError('PERSON_NOT_FOUND', `No person with ID number ${maskIdNumber(idNumber)}.`);
  const moving = body.hukouRegionCode !== undefined && body.hukouRegionCode !== seen.hukou_region_code;
  // Membership changes lock the household before its persons; a move does the same.
  if (moving && seen.household_id) await households.findForUpdate(seen.household_id);
  const current = await persons.findForUpdate(idNumber);
  if (!current) throw new NotFoundError('PERSON_NOT_FOUND', `No person with ID number ${maskIdNumber(idNumber)}.`);
  if (moving && current.household_id !== seen.household_id) throw new HouseholdMoved();
  assertRegionInScope(change.actor, current.hukou_region_code, 'This person');

  const next = { ...current };
  const changes: Updateable<PersonsTable> = {};
  const auditDetails: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COLUMN_OF) as [keyof typeof COLUMN_OF, Changeable][]) {
    const value = body[field];
    if (value === undefined || value === current[column]) continue;
    Object.assign(next, { [column]: value });
    Object.assign(changes, { [column]: value });
    // A phone number is personal data with no history worth keeping: record only that it changed.
    auditDetails[field] = field === 'phone' ? 'changed' : { from: current[column], to: value };
  }
  await checkNext(trx, current, next);
  if (next.guardian_id_number && next.guardian_id_number !== current.guardian_id_number) {
    await assertGuardianRegistered(persons, next.guardian_id_number);
  }
  if (Object.keys(changes).length === 0) return current;

  if (moving && current.household_id) {
    if (current.relation === 'head') {
      const others = (await persons.inHousehold(current.household_id)).filter((m) => m.id_number !== idNumber);
      if (others.length > 0) {
        throw new ConflictError(
          'HOUSEHOLD_HEAD_MOVING',
          `This person heads household ${current.household_id}, which has ${others.length} other members: ` +
            'make one of them head first.',
        );
      }
      await households.setHead(current.household_id, null);
    }
    changes.household_id = null;
    changes.relation = null;
    auditDetails.leftHousehold = current.household_id;
  }

  const updated = await persons.update(idNumber, changes);
  change.audit({
    action: 'person.update',
    entity: 'person',
    entityId: maskIdNumber(idNumber),
    regionCode: updated.hukou_region_code,
    details: auditDetails,
  });
  change.emit('person.updated', {
    idNumber,
    regionCode: updated.hukou_region_code,
    fields: Object.keys(auditDetails),
  });
  return updated;
}

/** Rules that join the request with what is stored: a field may be valid alone and not together. */
async function checkNext(
  trx: EnrollmentDb,
  current: PersonRow,
  next: { category: string; school: string | null; guardian_id_number: string | null; died_on: string | null },
): Promise<void> {
  const errors: FieldError[] = [];
  if (next.category === 'student' && !next.school) {
    errors.push({ path: 'body.school', message: 'required while the category is student' });
  }
  if (next.category === 'newborn' && !next.guardian_id_number) {
    errors.push({ path: 'body.guardianIdNumber', message: 'required while the category is newborn' });
  }
  if (next.guardian_id_number === current.id_number) {
    errors.push({ path: 'body.guardianIdNumber', message: 'a person cannot be their own guardian' });
  }
  if (next.died_on && next.died_on !== current.died_on) {
    // The connection's calendar is Asia/Shanghai, the calendar civil dates are kept in.
    const { today } = (await sql<{ today: string }>`select current_date::text as today`.execute(trx)).rows[0]!;
    if (next.died_on < current.birth_date) errors.push({ path: 'body.diedOn', message: 'before the birth date' });
    else if (next.died_on > today) errors.push({ path: 'body.diedOn', message: 'in the future' });
  }
  if (errors.length > 0) throw new ValidationError(errors);
}
