import {
  CancelEnrolmentBodySchema,
  EnrolmentListQuerySchema,
  EnrolmentPageSchema,
  EnrolmentSchema,
  ExternalCoveragesBodySchema,
  IdNumberSchema,
  NewbornCoverBodySchema,
  ProblemSchema,
  RegisterEnrolmentBodySchema,
  TransferEnrolmentBodySchema,
} from '@rmi/contracts';
import type { Db } from '@rmi/db';
import { maskIdNumber } from '@rmi/rules';
import {
  assertRegionInScope,
  NotFoundError,
  principalOf,
  recordAudit,
  requireRole,
  shanghaiToday,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import type { EnrolmentService } from '../../enrolments/enrolment-service.js';
import { toEnrolment } from '../../enrolments/enrolment-view.js';
import { createEnrolmentsRepository } from '../../repositories/enrolments.repository.js';
import { createPersonsRepository } from '../../repositories/persons.repository.js';

const WRITERS = ['county-operator', 'township-operator', 'collector'] as const;
const READERS = [...WRITERS, 'dashboard'] as const;
const KEY = z.object({ idNumber: IdNumberSchema, year: z.coerce.number().int().min(2000).max(2100) });
const ERRORS = { 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };

export default async function enrolmentRoutes(
  app: FastifyInstance,
  opts: { db: Db; enrolments: EnrolmentService },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const repo = createEnrolmentsRepository(opts.db);
  const { enrolments } = opts;

  r.post(
    '/v1/enrolments',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['enrolments'],
        summary: 'Register a person for a year (one enrolment per person and year)',
        description:
          '409 ENROLLMENT_EXISTS when the person is already registered here for the year; 409 ' +
          'DUPLICATE_INSURANCE when they hold employee insurance or resident insurance in another region ' +
          'that year (不重复参保).',
        body: RegisterEnrolmentBodySchema,
        response: { 201: EnrolmentSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (request.body.regionCode)
        assertRegionInScope(principal, request.body.regionCode, `Village ${request.body.regionCode}`);
      else {
        // Default region is the hukou village, which must then be in scope.
        const hukou = await createPersonsRepository(opts.db).find(request.body.idNumber);
        if (hukou) assertRegionInScope(principal, hukou.hukou_region_code, `Village ${hukou.hukou_region_code}`);
      }
      return reply.code(201).send(await enrolments.register(request, request.body));
    },
  );

  r.post(
    '/v1/enrolments/newborn-cover',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['enrolments'],
        summary: 'Cover a newborn from birth through a guardian enrolled that year (002#三(一), 003#三)',
        body: NewbornCoverBodySchema,
        response: { 201: EnrolmentSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const guardian = await repo.find(request.body.guardianIdNumber, request.body.year);
      if (guardian) assertRegionInScope(principalOf(request), guardian.region_code, `Village ${guardian.region_code}`);
      const { idNumber, guardianIdNumber, year } = request.body;
      return reply.code(201).send(await enrolments.coverNewborn(request, idNumber, guardianIdNumber, year));
    },
  );

  r.get(
    '/v1/enrolments',
    {
      onRequest: requireRole(...READERS),
      schema: {
        tags: ['enrolments'],
        summary: 'Enrolments of a region for a year, a page at a time in ID-number order',
        querystring: EnrolmentListQuerySchema,
        response: { 200: EnrolmentPageSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => {
      const q = request.query;
      assertRegionInScope(principalOf(request), q.regionCode, `Region ${q.regionCode}`);
      const rows = await repo.list({ ...q, regionPrefix: q.regionCode, limit: q.limit + 1 });
      const today = shanghaiToday();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((row) => toEnrolment(row, today)),
        next: rows.length > q.limit ? (page[page.length - 1]?.id_number ?? null) : null,
      };
    },
  );

  r.get(
    '/v1/enrolments/:idNumber/:year',
    {
      onRequest: requireRole(...READERS),
      schema: {
        tags: ['enrolments'],
        summary: 'One enrolment, with the amounts and reasons fixed at payment',
        params: KEY,
        response: { 200: EnrolmentSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { idNumber, year } = request.params;
      const row = await repo.find(idNumber, year);
      if (!row) throw new NotFoundError('ENROLLMENT_NOT_FOUND', `No ${year} enrolment for ${maskIdNumber(idNumber)}.`);
      assertRegionInScope(principalOf(request), row.region_code, `Region ${row.region_code}`);
      return toEnrolment(row, shanghaiToday());
    },
  );

  r.post(
    '/v1/enrolments/:idNumber/:year/cancel',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['enrolments'],
        summary: 'Cancel an enrolment (death, moved away, duplicate)',
        params: KEY,
        body: CancelEnrolmentBodySchema,
        response: { 200: EnrolmentSchema, ...ERRORS },
      },
    },
    async (request) => {
      const { idNumber, year } = request.params;
      return enrolments.cancel(request, idNumber, year, request.body.reason, request.body.on);
    },
  );

  r.post(
    '/v1/enrolments/:idNumber/:year/transfer',
    {
      onRequest: requireRole(...WRITERS),
      schema: {
        tags: ['enrolments'],
        summary: 'Record a move to employee insurance; resident cover runs until employee cover begins',
        params: KEY,
        body: TransferEnrolmentBodySchema,
        response: { 200: EnrolmentSchema, ...ERRORS },
      },
    },
    async (request) => {
      const { idNumber, year } = request.params;
      return enrolments.transfer(request, idNumber, year, request.body.employeeCoverFrom);
    },
  );

  r.put(
    '/v1/external-coverages',
    {
      onRequest: requireRole('county-operator', 'service'),
      schema: {
        tags: ['enrolments'],
        summary: 'Report insurance held elsewhere (employee insurance, resident insurance in another region)',
        description: 'Registering or paying over such a coverage for the same year is 409 DUPLICATE_INSURANCE.',
        body: ExternalCoveragesBodySchema,
        response: { 200: z.object({ stored: z.number().int() }), 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const rows = request.body.coverages.map((c) => ({
        id_number: c.idNumber,
        year: c.year,
        kind: c.kind,
        insurer: c.insurer,
        starts_on: c.startsOn ?? null,
        reported_by: principal.keyId,
      }));
      await opts.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('enrollment.external_coverages')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['id_number', 'year', 'kind']).doUpdateSet({
              insurer: (eb) => eb.ref('excluded.insurer'),
              starts_on: (eb) => eb.ref('excluded.starts_on'),
              reported_by: (eb) => eb.ref('excluded.reported_by'),
              reported_at: sql`now()`,
            }),
          )
          .execute();
        await recordAudit(trx, 'enrollment', request, {
          action: 'external-coverage.report',
          entity: 'external-coverage',
          details: { count: rows.length },
        });
      });
      return { stored: rows.length };
    },
  );
}
