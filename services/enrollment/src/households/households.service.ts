import type { CreateHouseholdBody, Household, HouseholdMembersBody } from '@rmi/contracts';
import { type Actor, assertRegionInScope, ConflictError, NotFoundError } from '@rmi/service-kit';
import type { EnrollmentDb, RunChange } from '../db.js';
import { createHouseholdsRepository } from '../persons/households.repository.js';
import { disclosureFor } from '../persons/person-view.js';
import { createPersonsRepository } from '../persons/persons.repository.js';
import { assertVillage } from '../regions/villages.js';
import { toHousehold } from './household-view.js';
import { applyMembership, type MembershipChange } from './membership.js';

const auditDetails = (change: MembershipChange) => ({
  joined: change.joined,
  left: change.left,
  ...(change.head.from !== change.head.to ? { head: change.head } : {}),
});

const householdNotFound = (id: string) => new NotFoundError('HOUSEHOLD_NOT_FOUND', `No household ${id}.`);

/** Households (户) of registered persons of one village: who heads them and who belongs. */
export function createHouseholdsService(deps: { db: EnrollmentDb; change: RunChange }) {
  const { db, change } = deps;
  const households = createHouseholdsRepository(db);
  const persons = createPersonsRepository(db);

  return Object.freeze({
    async create(actor: Actor, body: CreateHouseholdBody): Promise<Household> {
      assertRegionInScope(actor, body.regionCode, `Village ${body.regionCode}`);
      await assertVillage(db, body.regionCode, 'body.regionCode');
      const { household, members } = await change(actor, async ({ trx, audit, emit }) => {
        const inserted = await createHouseholdsRepository(trx).insert({
          region_code: body.regionCode,
          number: body.number ?? null,
          head_id_number: body.head,
        });
        if (!inserted) {
          throw new ConflictError(
            'HOUSEHOLD_NUMBER_TAKEN',
            `Village ${body.regionCode} already has a household numbered ${body.number}.`,
          );
        }
        const membership = await applyMembership(trx, inserted, body);
        audit({
          action: 'household.create',
          entity: 'household',
          entityId: inserted.id,
          regionCode: inserted.region_code,
          details: { number: inserted.number, head: body.head, ...auditDetails(membership) },
        });
        emit('household.changed', { householdId: inserted.id, regionCode: inserted.region_code });
        return {
          household: membership.household,
          members: await createPersonsRepository(trx).inHousehold(inserted.id),
        };
      });
      return toHousehold(household, members, disclosureFor(actor));
    },

    /** A household with its members, head first, if its village lies in the caller's scope. */
    async get(actor: Actor, id: string): Promise<Household> {
      const household = await households.find(id);
      if (!household) throw householdNotFound(id);
      assertRegionInScope(actor, household.region_code, 'This household');
      return toHousehold(household, await persons.inHousehold(household.id), disclosureFor(actor));
    },

    /** Replaces the membership: who is head, who else belongs and how; people left out leave. */
    async replaceMembers(actor: Actor, id: string, body: HouseholdMembersBody): Promise<Household> {
      const found = await households.find(id);
      if (!found) throw householdNotFound(id);
      assertRegionInScope(actor, found.region_code, 'This household');
      const { household, members } = await change(actor, async ({ trx, audit, emit }) => {
        const locked = await createHouseholdsRepository(trx).findForUpdate(found.id);
        if (!locked) throw householdNotFound(found.id);
        const membership = await applyMembership(trx, locked, body);
        if (membership.changed) {
          audit({
            action: 'household.members.replace',
            entity: 'household',
            entityId: locked.id,
            regionCode: locked.region_code,
            details: auditDetails(membership),
          });
          emit('household.changed', { householdId: locked.id, regionCode: locked.region_code });
        }
        return { household: membership.household, members: await createPersonsRepository(trx).inHousehold(locked.id) };
      });
      return toHousehold(household, members, disclosureFor(actor));
    },
  });
}

export type HouseholdsService = ReturnType<typeof createHouseholdsService>;
