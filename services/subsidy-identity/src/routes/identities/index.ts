import {
  PersonIdentitiesParamsSchema,
  PersonIdentitiesQuerySchema,
  PersonIdentitiesSchema,
  PersonIdentityHistorySchema,
  ProblemSchema,
  VILLAGE_WRITER_ROLES,
} from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createIdentitiesService } from '../../identities/identities.service.js';
import type { IdentityRoutesOptions } from '../routes-options.js';

const READERS = [...VILLAGE_WRITER_ROLES, 'department-feed'] as const;
const SCOPE =
  'A department feed key reads its own department’s spells only, and a key with a region the spells in its ' +
  'villages: a person with none of those reads as holding nothing. ID numbers and names are whole for admin, ' +
  'operators, collectors and the department’s own feed key, masked otherwise. An ID number that fails GB 11643 ' +
  'is 422 INVALID_ID_NUMBER naming the field.';

export default async function identityRoutes(app: FastifyInstance, opts: IdentityRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const identities = createIdentitiesService(opts.db, opts.catalog);

  r.get(
    '/v1/persons/:idNumber/identities',
    {
      onRequest: requireRole(...READERS),
      schema: {
        tags: ['identity history'],
        summary: 'The identities a person holds on a day, and the assistance they bring (就高, 003#五)',
        description:
          'Identities held on `on` (default today, Asia/Shanghai) by the departments’ lists, and the highest ' +
          'assistance under the policy of the village the person was last certified in, decided by rules. ' +
          '`year` defaults to the insurance year being collected on `on`: the next year once its policy’s ' +
          'concentrated period has opened (2024-09-14 for 2025, 003#三), else the calendar year. `tier` defaults to 1. ' +
          SCOPE,
        params: PersonIdentitiesParamsSchema,
        querystring: PersonIdentitiesQuerySchema,
        response: {
          200: PersonIdentitiesSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => identities.onDay(actorOf(request), request.params.idNumber, request.query),
  );

  r.get(
    '/v1/persons/:idNumber/identities/history',
    {
      onRequest: requireRole(...READERS),
      schema: {
        tags: ['identity history'],
        summary: 'Every identity spell kept for a person, ended and superseded ones too, with why each ended',
        description: `Spells in the order they began; \`endedReason\` is absent, removed, ended, moved, changed or death. ${SCOPE}`,
        params: PersonIdentitiesParamsSchema,
        response: { 200: PersonIdentityHistorySchema, 401: ProblemSchema, 403: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => identities.history(actorOf(request), request.params.idNumber),
  );
}
