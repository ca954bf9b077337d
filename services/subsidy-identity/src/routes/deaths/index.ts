import type { Readable } from 'node:stream';
import { DeathsAnswerSchema, PostDeathsQuerySchema, ProblemSchema } from '@rmi/contracts';
import type { UploadFormat } from '@rmi/ingest';
import { AppError, actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { xlsxLimits } from '../../config.js';
import { createDeathsService } from '../../deaths/deaths.service.js';
import type { IdentityRoutesOptions } from '../routes-options.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const NDJSON = 'application/x-ndjson';
const MEDIA_TYPES: Readonly<Record<string, UploadFormat>> = {
  'text/csv': 'csv',
  [XLSX]: 'xlsx',
  [NDJSON]: 'ndjson',
  'application/ndjson': 'ndjson',
};

function formatOf(request: FastifyRequest): UploadFormat {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const format = MEDIA_TYPES[type];
  const body = request.body as Readable | undefined;
  if (!format || !body || typeof body.pipe !== 'function') {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the list as text/csv, ${XLSX} or ${NDJSON}.`);
  }
  return format;
}

/** Death lists from health and civil affairs. */
export default async function deathRoutes(app: FastifyInstance, opts: IdentityRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deaths = createDeathsService({
    pool: opts.pool,
    limits: {
      sessions: opts.config.FEED_SESSIONS,
      statementTimeoutMs: opts.config.FEED_STATEMENT_TIMEOUT_MS,
      maxBytes: opts.config.FEED_MAX_BYTES,
      xlsx: xlsxLimits(opts.config),
    },
    // The list commits on a session of its own pool, so the app's `change` never nudges for it.
    onRecorded: () => app.outbox.nudge(),
  });
  app.addHook('onClose', () => deaths.drain());

  // The list is handed over as a stream: it goes to COPY as it arrives, never held whole.
  app.addContentTypeParser(Object.keys(MEDIA_TYPES), (_request, payload, done) => done(null, payload));

  r.post(
    '/v1/deaths',
    {
      onRequest: requireRole('department-feed'),
      config: {
        upload: {
          mediaTypes: Object.keys(MEDIA_TYPES),
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
      const format = formatOf(request);
      return deaths.post(actorOf(request), request.body as Readable, { ...request.query, format });
    },
  );
}
