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
  VILLAGE_WRITER_ROLES,
} from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EnrolmentsService } from '../../enrolments/enrolments.service.js';

const READERS = [...VILLAGE_WRITER_ROLES, 'dashboard'] as const;
const KEY = z.object({ idNumber: IdNumberSchema, year: z.coerce.number().int().min(2000).max(2100) });
const ERRORS = { 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };

export default async function enrolmentRoutes(
  app: FastifyInstance,
  opts: { enrolments: EnrolmentsService },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { enrolments } = opts;

  r.post(
    '/v1/enrolments',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
      schema: {
        tags: ['enrolments'],
        summary: 'Register a person for a year (one enrolment per person and year)',
        description:
          '409 ENROLLMENT_EXISTS when the person is already registered here for the year; 409 ' +
          'DUPLICATE_INSURANCE when they hold employee insurance or resident insurance in another region ' +
          'that year (不重复参保); 409 PERSON_DECEASED when they died before today.',
        body: RegisterEnrolmentBodySchema,
        response: { 201: EnrolmentSchema, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(await enrolments.register(actorOf(request), request.body)),
  );

  r.post(
    '/v1/enrolments/newborn-cover',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
      schema: {
        tags: ['enrolments'],
        summary: 'Cover a newborn from birth through a guardian enrolled that year (002#三(一), 003#三)',
        body: NewbornCoverBodySchema,
        response: { 201: EnrolmentSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { idNumber, guardianIdNumber, year } = request.body;
      return reply.code(201).send(await enrolments.coverNewborn(actorOf(request), idNumber, guardianIdNumber, year));
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
    async (request) => enrolments.list(actorOf(request), request.query),
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
    async (request) => enrolments.get(actorOf(request), request.params.idNumber, request.params.year),
  );

  r.post(
    '/v1/enrolments/:idNumber/:year/cancel',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
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
      return enrolments.cancel(actorOf(request), idNumber, year, request.body.reason, request.body.on);
    },
  );

  r.post(
    '/v1/enrolments/:idNumber/:year/transfer',
    {
      onRequest: requireRole(...VILLAGE_WRITER_ROLES),
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
      return enrolments.transfer(actorOf(request), idNumber, year, request.body.employeeCoverFrom);
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
    async (request) => enrolments.reportExternalCoverages(actorOf(request), request.body),
  );
}
