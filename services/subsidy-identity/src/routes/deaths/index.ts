import type { Readable } from 'node:stream';
import { DeathsAnswerSchema, PostDeathsQuerySchema, ProblemSchema } from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDeathsService } from '../../deaths/deaths.service.js';
import type { IdentityRoutesOptions } from '../routes-options.js';
import { acceptUploads, UPLOAD_MEDIA_TYPES, uploadFormatOf, uploadLimits } from '../uploads.js';

/** Death lists from health and civil affairs. */
export default async function deathRoutes(app: FastifyInstance, opts: IdentityRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deaths = createDeathsService({
    pool: opts.pool,
    limits: uploadLimits(opts.config),
    // The list commits on a session of its own pool, so the app's `change` never nudges for it.
    onRecorded: () => app.outbox.nudge(),
  });
  app.addHook('onClose', () => deaths.drain());

  acceptUploads(app);

  r.post(
    '/v1/deaths',
    {
      onRequest: requireRole('department-feed'),
      config: {
        upload: {
          mediaTypes: Object.keys(UPLOAD_MEDIA_TYPES),
          description: 'The death list: CSV (UTF-8, UTF-8 with BOM or GB18030), XLSX (first worksheet) or NDJSON',
        },
      },
      schema: {
        tags: ['deaths'],
        summary: 'Record a death list (health or civil affairs): identities end on the death day',
        description:
          'Columns 身份证号码/idNumber, 姓名/name, 死亡时间/diedOn. In one transaction: the deaths are recorded (the ' +
          'earliest day is kept when reported twice), every current identity spell of each person ends on the death ' +
          'day, and events go out: one person.died per death, one identity.ended (reason death) per spell. Enrollment, ' +
          'when the event reaches it, sets the person’s diedOn and cancels their registered, unpaid enrolments with ' +
          'reason death: `enrolmentsCancelled` counts those it will cancel. People with no enrolment at all are listed ' +
          'in `notRegistered` (masked), not as errors. Bad rows (INVALID_ID_NUMBER, ID_NUMBER_MANGLED, MISSING_FIELD, ' +
          'INVALID_DATE for a day that is no date, in the future or before birth, DUPLICATE_ROW, OUT_OF_SCOPE for a key ' +
          'with a region) are listed with line and column; the valid rows are recorded all the same. The same list ' +
          'again changes nothing. Only health and civil-affairs feed keys (their own department) or admin ' +
          '(`department` required); 400 FILE_UNREADABLE, 422 MISSING_COLUMNS, 413 BODY_TOO_LARGE.',
        querystring: PostDeathsQuerySchema,
        response: {
          200: DeathsAnswerSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          413: ProblemSchema,
          415: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const format = uploadFormatOf(request);
      return deaths.post(actorOf(request), request.body as Readable, { ...request.query, format });
    },
  );
}
