import {
  CreatePersonBodySchema,
  IdNumberSchema,
  PersonPageSchema,
  PersonSchema,
  PersonSearchQuerySchema,
  ProblemSchema,
  UpdatePersonBodySchema,
} from '@rmi/contracts';
import type { Db } from '@rmi/db';
import { maskIdNumber, parseIdNumber } from '@rmi/rules';
import {
  assertRegionInScope,
  ConflictError,
  NotFoundError,
  principalOf,
  recordAudit,
  regionInScope,
  requireRole,
  shanghaiToday,
  UnprocessableError,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordEvent } from '../../events/outbox.js';
import { createHouseholdsRepository } from '../../repositories/households.repository.js';
import { createPersonsRepository, type PersonRow } from '../../repositories/persons.repository.js';
import { createRegionsRepository } from '../../repositories/regions.repository.js';
import { disclosureFor, toPerson } from '../person-view.js';
import { assertGuardianRegistered, assertVillage, updatePerson } from './update-person.js';

const WRITERS = ['county-operator', 'township-operator', 'collector'] as const;
/** Dashboards and department feeds read too, always masked (see person-view.ts). */
const READERS = [...WRITERS, 'dashboard', 'department-feed'] as const;

export default async function personRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const persons = createPersonsRepository(opts.db);
  const households = createHouseholdsRepository(opts.db);
  const regions = createRegionsRepository(opts.db);

  r.post(
    '/v1/persons',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['persons'],
        summary: 'Register a person (validated ID number; sex and birth date derived from it)',
        body: CreatePersonBodySchema,
        response: { 201: PersonSchema, 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = principalOf(request);
      assertRegionInScope(principal, body.hukouRegionCode, `Village ${body.hukouRegionCode}`);
      await assertVillage(regions, body.hukouRegionCode);
      const id = parseIdNumber(body.idNumber, shanghaiToday());
      if (!id.ok) throw new Error('unreachable: the body schema validated the ID number');
      const created = await opts.db.transaction().execute(async (trx) => {
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
        if (row) {
          await recordAudit(trx, 'enrollment', request, {
            action: 'person.create',
            entity: 'person',
            entityId: maskIdNumber(row.id_number),
            regionCode: row.hukou_region_code,
            details: { category: row.category, householdId: row.household_id, relation: row.relation },
          });
          // Names and phones stay out of events: subscribers count people, they do not call them.
          await recordEvent(trx, 'person.registered', {
            idNumber: row.id_number,
            hukouRegionCode: row.hukou_region_code,
            category: row.category,
            sex: row.sex,
            birthDate: row.birth_date,
            householdId: row.household_id,
            diedOn: row.died_on,
          });
        }
        return row;
      });
      if (!created)
        throw new ConflictError(
          'PERSON_EXISTS',
          `A person with ID number ${maskIdNumber(id.idNumber)} is already registered.`,
        );
      return reply.code(201).send(toPerson(created, disclosureFor(principal)));
    },
  );

  r.get(
    '/v1/persons',
    {
      onRequest: requireRole(...READERS),
      schema: {
        tags: ['persons'],
        summary:
          'Search by exact ID number, by village (with a name prefix) or by household, within the key’s region only',
        description:
          'A search is a filter over what the key may see: a person outside its region and a person never ' +
          'registered give the same empty page, and a search never answers OUT_OF_SCOPE. Pages by offset: ' +
          'ask again with offset=nextOffset until it is null.',
        querystring: PersonSearchQuerySchema,
        response: { 200: PersonPageSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { idNumber, villageCode, name, householdId, limit, offset } = request.query;
      // One row more than asked tells whether a next page exists without counting.
      const page = { limit: limit + 1, offset };
      let rows: PersonRow[] = [];
      if (idNumber !== undefined) {
        const row = await persons.find(idNumber);
        if (row && offset === 0 && regionInScope(principal, row.hukou_region_code)) rows = [row];
      } else if (villageCode !== undefined) {
        if (regionInScope(principal, villageCode)) rows = await persons.inVillage(villageCode, name, page);
      } else if (householdId !== undefined) {
        const household = await households.find(householdId);
        if (household && regionInScope(principal, household.region_code)) {
          rows = await persons.inHousehold(household.id, page);
        }
      }
      const show = disclosureFor(principal);
      return {
        items: rows.slice(0, limit).map((row) => toPerson(row, show)),
        limit,
        offset,
        nextOffset: rows.length > limit ? offset + limit : null,
      };
    },
  );

  r.get(
    '/v1/persons/:idNumber',
    {
      onRequest: requireRole(...READERS),
      schema: {
        tags: ['persons'],
        summary: 'A registered person, if their hukou village lies in the key’s region',
        params: z.object({ idNumber: IdNumberSchema }),
        response: { 200: PersonSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await persons.find(request.params.idNumber);
      if (!row)
        throw new NotFoundError(
          'PERSON_NOT_FOUND',
          `No person with ID number ${maskIdNumber(request.params.idNumber)}.`,
        );
      assertRegionInScope(principal, row.hukou_region_code, 'This person');
      return toPerson(row, disclosureFor(principal));
    },
  );

  r.patch(
    '/v1/persons/:idNumber',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['persons'],
        summary: 'Correct or update a person; moving villages needs both villages in the key’s region',
        params: z.object({ idNumber: IdNumberSchema }),
        body: UpdatePersonBodySchema,
        response: {
          200: PersonSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { hukouRegionCode } = request.body;
      if (hukouRegionCode !== undefined) {
        assertRegionInScope(principal, hukouRegionCode, `Village ${hukouRegionCode}`);
        await assertVillage(regions, hukouRegionCode);
      }
      const row = await updatePerson(opts.db, request, request.params.idNumber, request.body);
      return toPerson(row, disclosureFor(principal));
    },
  );
}
