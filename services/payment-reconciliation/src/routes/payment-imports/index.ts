import type { Readable } from 'node:stream';
import {
  PaymentImportAnswerSchema,
  PaymentImportParamsSchema,
  PaymentImportQuerySchema,
  ProblemSchema,
} from '@rmi/contracts';
import { actorOf, requireRole, sendDownload } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { csvDownload } from '../../files/csv-download.js';
import { IMPORTS_PATH } from '../../imports/import-answers.js';
import { createPaymentImportService } from '../../imports/imports.service.js';
import type { PaymentRoutesOptions } from '../routes-options.js';
import { acceptUploads, UPLOAD_MEDIA_TYPES, uploadFormatOf, uploadLimits } from './uploads.js';

const IMPORTERS = ['county-operator', 'township-operator', 'department-feed'] as const;

const answers = {
  200: PaymentImportAnswerSchema,
  201: PaymentImportAnswerSchema,
  400: ProblemSchema,
  403: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  422: z.union([PaymentImportAnswerSchema, ProblemSchema]),
  500: ProblemSchema,
};

/** Imports of tax, channel and assistance-batch exports; their progress and their row errors. */
export default async function paymentImportRoutes(app: FastifyInstance, opts: PaymentRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const imports = createPaymentImportService({
    pool: opts.pool,
    db: opts.db,
    log: app.log,
    limits: uploadLimits(opts.config),
    // An import commits on a session of its own pool, so the app's `change` never nudges for it.
    onRecorded: () => {
      app.outbox.nudge();
      opts.nudgeApplier();
    },
  });
  app.addHook('onClose', () => imports.drain());

  acceptUploads(app);

  r.post(
    IMPORTS_PATH,
    {
      onRequest: requireRole(...IMPORTERS),
      config: {
        upload: {
          mediaTypes: Object.keys(UPLOAD_MEDIA_TYPES),
          description: 'The export as it came: CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX (first worksheet)',
        },
      },
      schema: {
        tags: ['payment imports'],
        summary: 'Import a tax, channel or payment-on-behalf (代缴) export: new payments and reversals recorded',
        description:
          'Columns by header (a unit such as (元) ignored): 电子税票号码/税票号码/凭证号, 缴费时间/入库时间/缴款日期, ' +
          '证件号码/身份证号码, 姓名, 个人缴费金额/实缴金额/缴费金额, 资助金额/代缴金额, 合计, 费款所属期起/止, ' +
          '作废标志/冲正标志/是否冲正/是否作废/冲正 (是/否, Y/N, 1/0), 原税票号码, 税务机关代码, 统筹地区/参保地, 代缴类别, ' +
          '请款批次, 渠道, 档次. A reversal row pairs with the payment of its 原税票号码 (else its own voucher), recorded ' +
          'before or in the file. An assistance-batch row is a payment on channel `assistance`; without a voucher, its ' +
          'voucher is `AB-` and 32 hex digits of SHA-256(请款批次, NUL, ID number). A tax export naming no channel is ' +
          'recorded on `tax-window`. Operators import rows of their region only (the person’s enrolment village of the ' +
          'year, else the 统筹地区 code; else OUT_OF_SCOPE); a `department-feed` key of department tax, admin. Row ' +
          'errors (line, column as headed, code): INVALID_ID_NUMBER, ID_NUMBER_MANGLED, MISSING_FIELD, AMOUNT_INVALID, ' +
          'INVALID_DATE, INVALID_VALUE, YEAR_MISMATCH, UNKNOWN_CHANNEL, VOUCHER_REUSED, REVERSAL_UNMATCHED, ' +
          'ALREADY_REVERSED, OUT_OF_SCOPE. A person with no enrolment of the year and no village is recorded parked ' +
          '(PERSON_NOT_FOUND). Answers 201 applied, 200 unchanged or dry run, 422 rejected (onRowErrors=reject) or ' +
          'MISSING_COLUMNS; 400 FILE_UNREADABLE, 413 BODY_TOO_LARGE, 500 IMPORT_FAILED (nothing recorded).',
        querystring: PaymentImportQuerySchema,
        response: answers,
      },
    },
    async (request, reply) => {
      const format = uploadFormatOf(request);
      const { source, year, dryRun, channel, fileName, onRowErrors } = request.query;
      const { httpStatus, answer } = await imports.post(actorOf(request), request.body as Readable, {
        source,
        year,
        format,
        dryRun,
        onRowErrors,
        channel: channel ?? null,
        fileName: fileName ?? null,
      });
      return reply.code(httpStatus).send(answer);
    },
  );

  r.get(
    `${IMPORTS_PATH}/:id`,
    {
      onRequest: requireRole(...IMPORTERS),
      schema: {
        tags: ['payment imports'],
        summary: 'An import’s progress (computing) or outcome, with its first 1000 row errors',
        params: PaymentImportParamsSchema,
        response: { 200: PaymentImportAnswerSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => imports.get(actorOf(request), request.params.id),
  );

  r.get(
    `${IMPORTS_PATH}/:id/errors`,
    {
      onRequest: requireRole(...IMPORTERS),
      schema: {
        tags: ['payment imports'],
        summary: 'Every row error of an import as CSV: line, column, code, message, then the row’s cells as sent',
        description:
          'Columns 行号 line, 列 column, 错误代码 code, 原因 message, then the file’s own columns; one line per error. ' +
          'UTF-8 with BOM; cells are written as text, never as formulas.',
        params: PaymentImportParamsSchema,
        response: { 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) =>
      sendDownload(reply, csvDownload(await imports.errors(actorOf(request), request.params.id), app.log)),
  );
}
