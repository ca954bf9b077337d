import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImportQuerySchema, ImportSummarySchema, ProblemSchema, VILLAGE_WRITER_ROLES } from '@rmi/contracts';
import { createCsvWriter } from '@rmi/ingest';
import { AppError, actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IMPORTS_PATH as BASE, type ImportsService } from '../../imports/imports.service.js';
import type { RegistrationImporter } from '../../imports/registration-import.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ROLES = VILLAGE_WRITER_ROLES;

export default async function registrationImportRoutes(
  app: FastifyInstance,
  opts: {
    importer: RegistrationImporter;
    imports: ImportsService;
    maxBytes: number;
    /** Called once an import has ended, whatever its outcome (an applied one has recorded its events). */
    onFinished: () => void;
  },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // The upload is handed over as a stream: it goes to COPY as it arrives, never held whole.
  app.addContentTypeParser(['text/csv', 'application/octet-stream', XLSX], (_request, payload, done) =>
    done(null, payload),
  );

  r.post(
    BASE,
    {
      onRequest: requireRole(...ROLES),
      config: {
        upload: {
          mediaTypes: ['text/csv', XLSX],
          description: 'The registration file: CSV (UTF-8, with or without BOM, or GB18030) or XLSX (first worksheet)',
        },
      },
      schema: {
        tags: ['enrolments'],
        summary: 'Register persons and enrol them for a year from a CSV (UTF-8 or GB18030) or XLSX file',
        description:
          'Columns are recognised by Chinese or English headers: 身份证号/idNumber, 姓名/name, 村(社区)代码/villageCode ' +
          '(optional for a collector: their village), 人员类别/category, 档次/tier, 联系电话/phone, 性别/sex, 出生日期/birthDate, ' +
          '学校/school, 监护人身份证号/guardianIdNumber, 户号/householdNumber, 与户主关系/relation. Answers 202 once the whole file is in (status validating or later: its rows are being checked; poll the Location), or with wait=true when done: 200 ' +
          'applied, 422 IMPORT_ROWS_INVALID (whole-file mode, some row bad: nothing applied) or IMPORT_FILE_INVALID, ' +
          '413 IMPORT_TOO_LARGE (the file, or what an XLSX inflates to, past a configured bound: nothing applied). ' +
          'Rejected rows, with line numbers and reasons, download as CSV from links.rejections.',
        querystring: ImportQuerySchema,
        response: { 200: ImportSummarySchema, 202: ImportSummarySchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => {
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the file as text/csv or ${XLSX}.`);
      }
      const { year, mode, wait, fileName } = request.query;
      const format = request.headers['content-type']?.startsWith(XLSX) ? 'xlsx' : 'csv';
      const run = await opts.importer.start(
        body,
        { year, mode, format, fileName: fileName ?? null, maxBytes: opts.maxBytes },
        actorOf(request),
      );
      void run.finished.then(opts.onFinished);
      await run.received;
      if (wait) await run.finished;
      const summary = await opts.imports.outcome(run.id);
      reply.header('location', summary.links.self);
      return reply.code(summary.status === 'applied' ? 200 : 202).send(summary);
    },
  );

  r.get(
    BASE,
    {
      onRequest: requireRole(...ROLES),
      schema: {
        tags: ['enrolments'],
        summary: 'Recent registration imports in the key’s region, newest first, with their progress',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.array(ImportSummarySchema) },
      },
    },
    async (request) => opts.imports.recent(actorOf(request), request.query.limit),
  );

  r.get(
    `${BASE}/:id`,
    {
      onRequest: requireRole(...ROLES),
      schema: {
        tags: ['enrolments'],
        summary: 'One import: status (receiving, validating, applying, applied, rejected, failed) and counts',
        params: z.object({ id: z.uuid() }),
        response: { 200: ImportSummarySchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => opts.imports.get(actorOf(request), request.params.id),
  );

  r.get(
    `${BASE}/:id/rejections.csv`,
    {
      onRequest: requireRole(...ROLES),
      schema: {
        tags: ['enrolments'],
        summary: 'Every rejected row: line, reasons and the row as uploaded (CSV, UTF-8 with BOM for Excel)',
        params: z.object({ id: z.uuid() }),
      },
    },
    async (request, reply) => {
      const download = await opts.imports.rejections(actorOf(request), request.params.id);
      // Cells as uploaded, but never as formulas: a clerk opens this file in Excel.
      const csv = createCsvWriter({ columns: download.header });
      pipeline(Readable.from(download.rows), csv).catch((err) => {
        request.log.warn({ err }, 'rejections download cut short');
        csv.destroy(err);
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="rejections-${download.id}.csv"`)
        .send(csv);
    },
  );
}
