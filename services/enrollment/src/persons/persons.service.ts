import type { CreatePersonBody, Person, PersonPage, PersonSearchQuery, UpdatePersonBody } from '@rmi/contracts';
import { maskIdNumber, parseIdNumber } from '@rmi/rules';
import {
  type Actor,
  assertRegionInScope,
  ConflictError,
  NotFoundError,
  regionInScope,
  shanghaiToday,
  UnprocessableError,
} from '@rmi/service-kit';
import type { EnrollmentDb, RunChange } from '../db.js';
import { assertVillage } from '../regions/villages.js';
import { createHouseholdsRepository } from './households.repository.js';
import { assertGuardianRegistered } from './person-checks.js';
import { disclosureFor, toPerson } from './person-view.js';
import { createPersonsRepository, type PersonRow } from './persons.repository.js';
import { updatePerson } from './update-person.js';

const personNotFound = (idNumber: string) =>
  new NotFoundError('PERSON_NOT_FOUND', `No person with ID number ${maskIdNumber(idNumber)}.`);

/**
 * The register of persons: registering, correcting and finding people. Every answer shows as much
 * personal data as the caller's role may see (person-view.ts).
 */
export function createPersonsService(deps: { db: EnrollmentDb; change: RunChange }) {
  const { db, change } = deps;
  const persons = createPersonsRepository(db);
  const households = createHouseholdsRepository(db);

  return Object.freeze({
    /** Registers a person in a village of the caller's scope; sex and birth date come from the ID number. */
    async register(actor: Actor, body: CreatePersonBody): Promise<Person> {
      assertRegionInScope(actor, body.hukouRegionCode, `Village ${body.hukouRegionCode}`);
      await assertVillage(db, body.hukouRegionCode, 'body.hukouRegionCode');
      const id = parseIdNumber(body.idNumber, shanghaiToday());
      if (!id.ok) throw new Error('unreachable: the body schema validated the ID number');
      const created = await change(actor, async ({ trx, audit, emit }) => {
        const txPersons = createPersonsRepository(trx);
        if (body.guardianIdNumber) await assertGuardianRegistered(txPersons, body.guardianIdNumber);
        if (body.householdId) {
          const household = await createHouseholdsRepository(trx).find(body.householdId);
          // A household elsewhere reads as unknown, so the answer says nothing about other villages.
          if (household?.region_code !== body.hukouRegionCode) {
            throw new UnprocessableError(
              'HOUSEHOLD_UNKNOWN',
              `No household ${body.householdId} in village ${body.hukouRegionCode}.`,
              {
                errors: [{ path: 'body.householdId', message: `no such household in village ${body.hukouRegionCode}` }],
              },
            );
          }
        }
        const row = await txPersons.insert({
          id_number: id.idNumber,
          name: body.name,
          sex: id.sex,
          birth_date: id.birthDate,
          hukou_region_code: body.hukouRegionCode,
          category: body.category,
          phone: body.phone ?? null,
          school: body.school ?? null,
          guardian_id_number: body.guardianIdNumber ?? null,
          household_id: body.householdId ?? null,
          relation: body.relation ?? null,
        });
        if (!row) {
          throw new ConflictError(
            'PERSON_EXISTS',
            `A person with ID number ${maskIdNumber(id.idNumber)} is already registered.`,
          );
        }
        audit({
          action: 'person.create',
          entity: 'person',
          entityId: maskIdNumber(row.id_number),
          regionCode: row.hukou_region_code,
          details: { category: row.category, householdId: row.household_id, relation: row.relation },
        });
        // Names and phones stay out of events: subscribers count people, they do not call them.
        emit('person.registered', {
          idNumber: row.id_number,
          hukouRegionCode: row.hukou_region_code,
          category: row.category,
          sex: row.sex,
          birthDate: row.birth_date,
          householdId: row.household_id,
          diedOn: row.died_on,
        });
        return row;
      });
      return toPerson(created, disclosureFor(actor));
    },

    /**
     * A filter over what the caller may see: a person outside its region and a person never
     * registered give the same empty page, never OUT_OF_SCOPE.
     */
    async search(actor: Actor, query: PersonSearchQuery): Promise<PersonPage> {
      const { idNumber, villageCode, name, householdId, limit, offset } = query;
      // One row more than asked tells whether a next page exists without counting.
      const page = { limit: limit + 1, offset };
      let rows: PersonRow[] = [];
      if (idNumber !== undefined) {
        const row = await persons.find(idNumber);
        if (row && offset === 0 && regionInScope(actor, row.hukou_region_code)) rows = [row];
      } else if (villageCode !== undefined) {
        if (regionInScope(actor, villageCode)) rows = await persons.inVillage(villageCode, name, page);
      } else if (householdId !== undefined) {
        const household = await households.find(householdId);
        if (household && regionInScope(actor, household.region_code)) {
          rows = await persons.inHousehold(household.id, page);
        }
      }
      const show = disclosureFor(actor);
      return {
        items: rows.slice(0, limit).map((row) => toPerson(row, show)),
        limit,
        offset,
        nextOffset: rows.length > limit ? offset + limit : null,
      };
    },

    /** A person whose hukou village lies in the caller's scope: 404 when unknown, 403 when elsewhere. */
    async get(actor: Actor, idNumber: string): Promise<Person> {
      const row = await persons.find(idNumber);
      if (!row) throw personNotFound(idNumber);
      assertRegionInScope(actor, row.hukou_region_code, 'This person');
      return toPerson(row, disclosureFor(actor));
    },

    /** Corrects or updates a person; moving villages needs both villages in the caller's scope. */
    async update(actor: Actor, idNumber: string, body: UpdatePersonBody): Promise<Person> {
      if (body.hukouRegionCode !== undefined) {
        assertRegionInScope(actor, body.hukouRegionCode, `Village ${body.hukouRegionCode}`);
        await assertVillage(db, body.hukouRegionCode, 'body.hukouRegionCode');
      }
      return toPerson(await updatePerson(change, actor, idNumber, body), disclosureFor(actor));
    },
  });
}

export type PersonsService = ReturnType<typeof createPersonsService>;
