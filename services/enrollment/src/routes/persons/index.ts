import {
  CreatePersonBodySchema,
  IdNumberSchema,
  PersonPageSchema,
  PersonSchema,
  PersonSearchQuerySchema,
  ProblemSchema,
  UpdatePersonBodySchema,
  VILLAGE_WRITER_ROLES,
} from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PersonsService } from '../../persons/persons.service.js';

/** Dashboards and department feeds read too, always masked (see persons/person-view.ts). */
const READERS = [...VILLAGE_WRITER_ROLES, 'dashboard', 'department-feed'] as const;

export default async function personRoutes(app: FastifyInstance, opts: { persons: PersonsService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { persons } = opts;

  r.post(
    '/v1/persons',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
      schema: {
        tags: ['persons'],
        summary: 'Register a person (validated ID number; sex and birth date derived from it)',
        body: CreatePersonBodySchema,
        response: { 201: PersonSchema, 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await persons.register(actorOf(request), request.body)),
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
    async (request) => persons.search(actorOf(request), request.query),
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
    async (request) => persons.get(actorOf(request), request.params.idNumber),
  );

  r.patch(
    '/v1/persons/:idNumber',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
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
    async (request) => persons.update(actorOf(request), request.params.idNumber, request.body),
  );
}
