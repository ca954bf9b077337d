import { CreateHouseholdBodySchema, HouseholdMembersBodySchema, HouseholdSchema, ProblemSchema } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import {
  assertRegionInScope,
  ConflictError,
  NotFoundError,
  principalOf,
  recordAudit,
  requireRole,
  UnprocessableError,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordEvent } from '../../events/outbox.js';
import { createHouseholdsRepository } from '../../repositories/households.repository.js';
import { createPersonsRepository } from '../../repositories/persons.repository.js';
import { createRegionsRepository } from '../../repositories/regions.repository.js';
import { disclosureFor, toHousehold } from '../person-view.js';
import { applyMembership, type MembershipChange } from './membership.js';

const WRITERS = ['county-operator', 'township-operator', 'collector'] as const;
const READERS = [...WRITERS, 'dashboard', 'department-feed'] as const;

const auditDetails = (change: MembershipChange) => ({
  joined: change.joined,
  left: change.left,
  ...(change.head.from !== change.head.to ? { head: change.head } : {}),
});

export default async function householdRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const households = createHouseholdsRepository(opts.db);
  const persons = createPersonsRepository(opts.db);
  const regions = createRegionsRepository(opts.db);

  r.post(
    '/v1/households',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['households'],
        summary: 'Create a household of registered persons of one village',
        body: CreateHouseholdBodySchema,
        response: {
          201: HouseholdSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = principalOf(request);
      assertRegionInScope(principal, body.regionCode, `Village ${body.regionCode}`);
      const village = await regions.find(body.regionCode);
      if (village?.level !== 'village') {
        throw new UnprocessableError('REGION_UNKNOWN', `${body.regionCode} is not a loaded village.`, {
          errors: [{ path: 'body.regionCode', message: 'not a loaded village code' }],
        });
      }
      const { household, members } = await opts.db.transaction().execute(async (trx) => {
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
        const change = await applyMembership(trx, inserted, body);
        await recordAudit(trx, 'enrollment', request, {
          action: 'household.create',
          entity: 'household',
          entityId: inserted.id,
          regionCode: inserted.region_code,
          details: { number: inserted.number, head: body.head, ...auditDetails(change) },
        });
        await recordEvent(trx, 'household.changed', { householdId: inserted.id, regionCode: inserted.region_code });
        return { household: change.household, members: await createPersonsRepository(trx).inHousehold(inserted.id) };
      });
      return reply.code(201).send(toHousehold(household, members, disclosureFor(principal)));
    },
  );

  r.get(
    '/v1/households/:id',
    {
      onRequest: requireRole(...READERS),
      schema: {
        tags: ['households'],
        summary: 'A household with its members, if its village lies in the key’s region',
        params: z.object({ id: z.uuid() }),
        response: { 200: HouseholdSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const household = await households.find(request.params.id);
      if (!household) throw new NotFoundError('HOUSEHOLD_NOT_FOUND', `No household ${request.params.id}.`);
      assertRegionInScope(principal, household.region_code, 'This household');
      return toHousehold(household, await persons.inHousehold(household.id), disclosureFor(principal));
    },
  );

  r.put(
    '/v1/households/:id/members',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['households'],
        summary: 'Replace the membership: who is head, who else belongs and how; people left out leave',
        params: z.object({ id: z.uuid() }),
        body: HouseholdMembersBodySchema,
        response: {
          200: HouseholdSchema,
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
      const found = await households.find(request.params.id);
      if (!found) throw new NotFoundError('HOUSEHOLD_NOT_FOUND', `No household ${request.params.id}.`);
      assertRegionInScope(principal, found.region_code, 'This household');
      const { household, members } = await opts.db.transaction().execute(async (trx) => {
        const locked = await createHouseholdsRepository(trx).findForUpdate(found.id);
        if (!locked) throw new NotFoundError('HOUSEHOLD_NOT_FOUND', `No household ${found.id}.`);
        const change = await applyMembership(trx, locked, request.body);
        if (change.changed) {
          await recordAudit(trx, 'enrollment', request, {
            action: 'household.members.replace',
            entity: 'household',
            entityId: locked.id,
            regionCode: locked.region_code,
            details: auditDetails(change),
          });
          await recordEvent(trx, 'household.changed', { householdId: locked.id, regionCode: locked.region_code });
        }
        return { household: change.household, members: await createPersonsRepository(trx).inHousehold(locked.id) };
      });
      return toHousehold(household, members, disclosureFor(principal));
    },
  );
}
