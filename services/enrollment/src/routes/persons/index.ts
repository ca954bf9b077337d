import { CreatePersonBodySchema, IdNumberSchema, PersonSchema, ProblemSchema } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import { maskIdNumber, parseIdNumber } from '@rmi/rules';
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
import { createPersonsRepository } from '../../repositories/persons.repository.js';
import { createRegionsRepository } from '../../repositories/regions.repository.js';

type Row = NonNullable<Awaited<ReturnType<ReturnType<typeof createPersonsRepository>['find']>>>;

const toPerson = (row: Row) => ({
  idNumber: row.id_number,
  name: row.name,
  sex: row.sex,
  birthDate: row.birth_date,
  hukouRegionCode: row.hukou_region_code,
  category: row.category,
  phone: row.phone,
  createdAt: row.created_at.toISOString(),
});

const PERSON_ROLES = ['county-operator', 'township-operator', 'collector'] as const;

export default async function personRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const persons = createPersonsRepository(opts.db);
  const regions = createRegionsRepository(opts.db);

  r.post(
    '/v1/persons',
    {
      preHandler: requireRole(...PERSON_ROLES),
      schema: {
        tags: ['persons'],
        summary: 'Register a person (validated ID number; sex and birth date derived from it)',
        body: CreatePersonBodySchema,
        response: { 201: PersonSchema, 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertRegionInScope(principalOf(request), body.hukouRegionCode, `Village ${body.hukouRegionCode}`);
      const village = await regions.find(body.hukouRegionCode);
      if (village?.level !== 'village') {
        throw new UnprocessableError('REGION_UNKNOWN', `${body.hukouRegionCode} is not a loaded village.`, {
          errors: [{ path: 'body.hukouRegionCode', message: 'not a loaded village code' }],
        });
      }
      const id = parseIdNumber(body.idNumber);
      if (!id.ok) throw new Error('unreachable: the body schema validated the ID number');
      const created = await opts.db.transaction().execute(async (trx) => {
        const row = await createPersonsRepository(trx).insert({
          id_number: id.idNumber,
          name: body.name,
          sex: id.sex,
          birth_date: id.birthDate,
          hukou_region_code: body.hukouRegionCode,
          category: body.category,
          phone: body.phone ?? null,
        });
        if (row) {
          await recordAudit(trx, 'enrollment', request, {
            action: 'person.create',
            entity: 'person',
            entityId: maskIdNumber(row.id_number),
            regionCode: row.hukou_region_code,
          });
        }
        return row;
      });
      if (!created)
        throw new ConflictError(
          'PERSON_EXISTS',
          `A person with ID number ${maskIdNumber(id.idNumber)} is already registered.`,
        );
      return reply.code(201).send(toPerson(created));
    },
  );

  r.get(
    '/v1/persons/:idNumber',
    {
      preHandler: requireRole(...PERSON_ROLES),
      schema: {
        tags: ['persons'],
        summary: 'A registered person, if their hukou village lies in the key’s region',
        params: z.object({ idNumber: IdNumberSchema }),
        response: { 200: PersonSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const row = await persons.find(request.params.idNumber);
      if (!row)
        throw new NotFoundError(
          'PERSON_NOT_FOUND',
          `No person with ID number ${maskIdNumber(request.params.idNumber)}.`,
        );
      assertRegionInScope(principalOf(request), row.hukou_region_code, 'This person');
      return toPerson(row);
    },
  );
}
