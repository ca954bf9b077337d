import type { Readable } from 'node:stream';
import {
  FeedBatchAnswerSchema,
  FeedBatchParamsSchema,
  FeedBatchSummarySchema,
  FeedDepartmentParamsSchema,
  FeedSettingsSchema,
  ListFeedBatchesQuerySchema,
  PostFeedBatchQuerySchema,
  ProblemSchema,
  UpdateFeedSettingsBodySchema,
} from '@rmi/contracts';
import { actorOf, requireRole, ValidationError } from '@rmi/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BATCHES_PATH } from '../../feeds/feed-answers.js';
import { createFeedService } from '../../feeds/feeds.service.js';
import type { IdentityRoutesOptions } from '../routes-options.js';
import { acceptUploads, UPLOAD_MEDIA_TYPES, uploadFormatOf, uploadLimits } from '../uploads.js';

const answers = {
  200: FeedBatchAnswerSchema,
  201: FeedBatchAnswerSchema,
  202: FeedBatchAnswerSchema,
  400: ProblemSchema,
  403: ProblemSchema,
  409: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  422: z.union([FeedBatchAnswerSchema, ProblemSchema]),
};

function idempotencyKeyOf(request: FastifyRequest): string | null {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return null;
  const key = (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
  if (key === '' || key.length > 200) {
    throw new ValidationError([{ path: 'headers.idempotency-key', message: 'between 1 and 200 characters' }]);
  }
  return key;
}

/** Department feeds: posting a list, deciding a held batch, listing batches, the guard's settings. */
export default async function feedRoutes(app: FastifyInstance, opts: IdentityRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const feeds = createFeedService({
    pool: opts.pool,
    db: opts.db,
    change: opts.change,
    log: app.log,
    limits: uploadLimits(opts.config),
    // A batch commits on a session of its own pool, so the app's `change` never nudges for it.
    onApplied: () => app.outbox.nudge(),
  });
  app.addHook('onClose', () => feeds.drain());

  acceptUploads(app);

  r.post(
    '/v1/feeds/:department/batches',
    {
      onRequest: requireRole('department-feed'),
      config: {
        upload: {
          mediaTypes: Object.keys(UPLOAD_MEDIA_TYPES),
          description:
            'The list as the department keeps it: CSV (UTF-8, UTF-8 with BOM or GB18030; comma or tab), XLSX (first worksheet) or NDJSON',
        },
      },
      schema: {
        tags: ['identity feeds'],
        summary: 'Post a department’s list of certified people (snapshot or delta) for a month',
        description:
          'Columns by Chinese or English header: 身份证号码/idNumber, 姓名/name, 身份类别/identity (or 残疾等级), ' +
          '镇（街）/township, 村（居）/village (a name or a 12-digit code), 纳入时间/certifiedOn, 退出时间/endedOn, ' +
          '操作/action (delta: 新增, 退出, 变更). Answers 201 applied, 200 dry run or unchanged (the same bytes as an ' +
          'applied batch), 202 held by the truncated-file guard (confirm or discard it), 422 rejected (onRowErrors=reject ' +
          'and a bad row) or MISSING_COLUMNS; 400 FILE_UNREADABLE, 409 BATCH_HELD, 413 BODY_TOO_LARGE. Row errors carry ' +
          'the file’s line; all of them download from errorsUrl. Optional header Idempotency-Key.',
        params: FeedDepartmentParamsSchema,
        querystring: PostFeedBatchQuerySchema,
        response: answers,
      },
    },
    async (request, reply) => {
      const format = uploadFormatOf(request);
      const { mode, period, dryRun, onRowErrors, fileName } = request.query;
      const { httpStatus, answer } = await feeds.post(
        actorOf(request),
        request.params.department,
        request.body as Readable,
        {
          mode,
          period,
          format,
          dryRun,
          onRowErrors,
          fileName: fileName ?? null,
          idempotencyKey: idempotencyKeyOf(request),
        },
      );
      return reply.code(httpStatus).send(answer);
    },
  );

  r.post(
    `${BATCHES_PATH}/:id/confirm`,
    {
      onRequest: requireRole('department-feed'),
      schema: {
        tags: ['identity feeds'],
        summary: 'Apply a held batch as it was computed (409 BATCH_STALE if another was applied since)',
        params: FeedBatchParamsSchema,
        response: { 200: FeedBatchAnswerSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => (await feeds.confirm(actorOf(request), request.params.id)).answer,
  );

  r.post(
    `${BATCHES_PATH}/:id/discard`,
    {
      onRequest: requireRole('department-feed'),
      schema: {
        tags: ['identity feeds'],
        summary: 'Drop a held batch: nothing of it is applied',
        params: FeedBatchParamsSchema,
        response: { 200: FeedBatchAnswerSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => (await feeds.discard(actorOf(request), request.params.id)).answer,
  );

  r.get(
    BATCHES_PATH,
    {
      onRequest: requireRole('department-feed', 'county-operator', 'township-operator'),
      schema: {
        tags: ['identity feeds'],
        summary: 'Batches in the key’s scope, newest first (a feed key sees its own department’s)',
        querystring: ListFeedBatchesQuerySchema,
        response: { 200: z.array(FeedBatchSummarySchema), 403: ProblemSchema },
      },
    },
    async (request) => feeds.list(actorOf(request), request.query),
  );

  r.get(
    '/v1/feeds/settings/:department',
    {
      onRequest: requireRole('department-feed'),
      schema: {
        tags: ['identity feeds'],
        summary: 'The truncated-file guard’s shares of a department',
        params: FeedDepartmentParamsSchema,
        response: { 200: FeedSettingsSchema, 403: ProblemSchema },
      },
    },
    async (request) => feeds.settings(actorOf(request), request.params.department),
  );

  r.put(
    '/v1/feeds/settings/:department',
    {
      onRequest: requireRole(),
      schema: {
        tags: ['identity feeds'],
        summary: 'Change the truncated-file guard’s shares of a department (admin)',
        params: FeedDepartmentParamsSchema,
        body: UpdateFeedSettingsBodySchema,
        response: { 200: FeedSettingsSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => feeds.updateSettings(actorOf(request), request.params.department, request.body),
  );
}
