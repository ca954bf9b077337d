import { BatchDiffSchema, DiffQuerySchema, FeedBatchParamsSchema, ProblemSchema } from '@rmi/contracts';
import { actorOf, requireRole, sendDownload } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BATCH_READERS } from '../../downloads/batch-access.js';
import { createDownloadsService } from '../../downloads/downloads.service.js';
import type { IdentityRoutesOptions } from '../routes-options.js';

const WHO =
  'Readable by the batch’s department feed key (a batch in its region whole, a wider one as far as its region ' +
  'goes), county and township operators likewise, and admin; another department’s key is 403 OUT_OF_SCOPE, an ' +
  'unknown batch 404 BATCH_NOT_FOUND. ID numbers and names are whole for those roles.';

/** A batch's diff (JSON, CSV, XLSX) and its bad rows (CSV), streamed. */
export default async function feedDownloadRoutes(app: FastifyInstance, opts: IdentityRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const downloads = createDownloadsService(opts.db, app.log);

  r.get(
    '/v1/feeds/batches/:id/diff',
    {
      onRequest: requireRole(...BATCH_READERS),
      schema: {
        tags: ['identity feeds'],
        summary: 'What a batch changed (or would change, held or dry run): added, removed, changed, moved',
        description:
          'format=json (the schema below), csv (UTF-8 with BOM) or xlsx, with Chinese headers: 身份证号码, 姓名, ' +
          '身份类别, 身份代码, 变动类型 (新增/退出/变更/迁移), 原村, 原村代码, 现村, 现村代码, 原纳入时间, 现纳入时间, ' +
          '原退出时间, 现退出时间, 文件行号. Streamed in ID-number order; `change` keeps one kind. ' +
          WHO,
        params: FeedBatchParamsSchema,
        querystring: DiffQuerySchema,
        response: {
          200: BatchDiffSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request, reply) =>
      sendDownload(reply, await downloads.diff(actorOf(request), request.params.id, request.query)),
  );

  r.get(
    '/v1/feeds/batches/:id/errors.csv',
    {
      onRequest: requireRole(...BATCH_READERS),
      schema: {
        tags: ['identity feeds'],
        summary: 'Every bad row of a batch: its line, error codes and reasons, and its cells as sent (CSV)',
        description:
          'Columns 行号 line, 错误代码 codes, 原因 reasons (`column: message [CODE]; …`), then the file’s own columns. ' +
          'Cells are written as text, never as formulas. A key whose region is narrower than the batch’s list ' +
          'gets 403 OUT_OF_SCOPE. ' +
          WHO,
        params: FeedBatchParamsSchema,
        response: { 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => sendDownload(reply, await downloads.errors(actorOf(request), request.params.id)),
  );
}
