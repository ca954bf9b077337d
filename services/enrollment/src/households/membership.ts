import type { FieldError } from '@rmi/contracts';
import type { HouseholdRelation } from '@rmi/db';
import { maskIdNumber } from '@rmi/rules';
import { ConflictError, UnprocessableError } from '@rmi/service-kit';
import type { EnrollmentDb } from '../db.js';
import { createHouseholdsRepository, type HouseholdRow } from '../persons/households.repository.js';
import { createPersonsRepository } from '../persons/persons.repository.js';

export interface Membership {
  head: string;
  members: { idNumber: string; relation: HouseholdRelation }[];
}

export interface MembershipChange {
  household: HouseholdRow;
  changed: boolean;
  joined: { idNumber: string; relation: HouseholdRelation }[];
  left: string[];
  head: { from: string | null; to: string };
}

/**
 * Makes the household's membership exactly `wanted`: people left out leave, new people join,
 * relations and the head follow. Everyone named must be registered in the household's village and
 * belong to no other household. Call inside the transaction that holds the household's row lock.
 */
export async function applyMembership(
  trx: EnrollmentDb,
  household: HouseholdRow,
  wanted: Membership,
): Promise<MembershipChange> {
  const persons = createPersonsRepository(trx);
  const desired = [
    { idNumber: wanted.head, relation: 'head' as const, path: 'body.head' },
    ...wanted.members.map((m, i) => ({ ...m, path: `body.members.${i}.idNumber` })),
  ];
  const rows = await persons.lockForMembership(
    desired.map((d) => d.idNumber),
    household.id,
  );
  const byId = new Map(rows.map((r) => [r.id_number, r]));

  // Unregistered and registered elsewhere read the same, so the answer says nothing about a
  // person outside the village.
  const unknown: FieldError[] = [];
  const taken: FieldError[] = [];
  const takenIds: string[] = [];
  for (const d of desired) {
    const row = byId.get(d.idNumber);
    if (!row || row.hukou_region_code !== household.region_code) {
      unknown.push({ path: d.path, message: `not registered in village ${household.region_code}` });
    } else if (row.household_id !== null && row.household_id !== household.id) {
      taken.push({ path: d.path, message: `already in household ${row.household_id}` });
      takenIds.push(d.idNumber);
    }
  }
  if (unknown.length > 0) {
    throw new UnprocessableError(
      'HOUSEHOLD_MEMBER_UNKNOWN',
      `${unknown.length} of the persons named are not registered in village ${household.region_code}.`,
      { errors: unknown },
    );
  }
  if (taken.length > 0) {
    throw new ConflictError(
      'HOUSEHOLD_MEMBER_TAKEN',
      `Already in another household: ${takenIds.map(maskIdNumber).join(', ')}. Remove them from it first.`,
      { errors: taken },
    );
  }

  const wantedIds = new Set(desired.map((d) => d.idNumber));
  const left = rows
    .filter((r) => r.household_id === household.id && !wantedIds.has(r.id_number))
    .map((r) => r.id_number);
  const joined = desired
    .filter((d) => {
      const row = byId.get(d.idNumber);
      return row?.household_id !== household.id || row.relation !== d.relation;
    })
    .map(({ idNumber, relation }) => ({ idNumber, relation }));
  const head = { from: household.head_id_number, to: wanted.head };
  const changed = left.length > 0 || joined.length > 0 || head.from !== head.to;
  if (!changed) return { household, changed, joined, left, head };

  await persons.leaveHousehold(left);
  await persons.joinHousehold(household.id, joined);
  const updated = await createHouseholdsRepository(trx).setHead(household.id, wanted.head);
  return { household: updated, changed, joined, left, head };
}
