import {
  CreateHouseholdBodySchema,
  HouseholdMembersBodySchema,
  HouseholdSchema,
  ProblemSchema,
  VILLAGE_WRITER_ROLES,
} from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HouseholdsService } from '../../households/households.service.js';

const READERS = [...VILLAGE_WRITER_ROLES, 'dashboard', 'department-feed'] as const;
const WRITE_ERRORS = { 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };

export default async function householdRoutes(
  app: FastifyInstance,
  opts: { households: HouseholdsService },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { households } = opts;

  r.post(
    '/v1/households',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
      schema: {
        tags: ['households'],
        summary: 'Create a household of registered persons of one village',
        body: CreateHouseholdBodySchema,
        response: { 201: HouseholdSchema, ...WRITE_ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(await households.create(actorOf(request), request.body)),
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
    async (request) => households.get(actorOf(request), request.params.id),
  );

  r.put(
    '/v1/households/:id/members',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
      schema: {
        tags: ['households'],
        summary: 'Replace the membership: who is head, who else belongs and how; people left out leave',
        params: z.object({ id: z.uuid() }),
        body: HouseholdMembersBodySchema,
        response: { 200: HouseholdSchema, 404: ProblemSchema, ...WRITE_ERRORS },
      },
    },
    async (request) => households.replaceMembers(actorOf(request), request.params.id, request.body),
  );
}
