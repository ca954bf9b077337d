import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImportQuerySchema, type ImportSummary, ImportSummarySchema, ProblemSchema } from '@rmi/contracts';
import type { Db, ImportsTable } from '@rmi/db';
import { createCsvWriter } from '@rmi/ingest';
import {
  AppError,
  actorOf,
  assertRegionInScope,
  NotFoundError,
  type Principal,
  principalOf,
  requireRole,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { RegistrationImporter } from '../../imports/registration-import.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ROLES = ['county-operator', 'township-operator', 'collector'] as const;
const BASE = '/v1/registration-imports';

type Row = Selectable<ImportsTable>;

function toSummary(row: Row): ImportSummary {
  return {
    id: row.id,
    year: row.year,
    mode: row.mode,
    format: row.format,
    status: row.status,
    fileName: row.file_name,
    encoding: row.encoding,
    bytesReceived: row.bytes_received,
    rowsTotal: row.rows_total,
    rowsRejected: row.rows_rejected,
    personsCreated: row.persons_created,
    enrolmentsCreated: row.enrolments_created,
    rowsUnchanged: row.rows_unchanged,
    problem: (row.problem as ImportSummary['problem']) ?? null,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    links: { self: `${BASE}/${row.id}`, rejections: `${BASE}/${row.id}/rejections.csv` },
  };
}

/** An import is visible to the key that could have made it: its scope covers the uploader's. */
function assertMayRead(principal: Principal, row: Row): void {
  if (principal.role === 'admin') return;
  assertRegionInScope(principal, row.scope_region_code ?? '', `Import ${row.id}`);
}

export default async function registrationImportRoutes(
  app: FastifyInstance,
  opts: {
    db: Db;
    importer: RegistrationImporter;
    maxBytes: number;
    /** Called once an import has ended, whatever its outcome (an applied one has recorded its events). */
    onFinished: () => void;
  },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const RUNNING = ['receiving', 'validating', 'applying'];
  const load = (id: string) =>
    opts.db.selectFrom('enrollment.imports').selectAll().where('id', '=', id).executeTakeFirst();
  const find = async (id: string) => {
    let row = await load(id);
    if (!row) throw new NotFoundError('IMPORT_NOT_FOUND', `No import ${id}.`);
    if (RUNNING.includes(row.status)) {
      await opts.importer.settleOrphans([row.id]);
      row = (await load(id)) ?? row;
    }
    return row;
  };

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
      const row = await find(run.id);
      if (row.status === 'rejected' || row.status === 'failed') {
        const problem = row.problem as { code: string; detail: string; errors?: unknown[] };
        // A file past a size bound is 413, whether the upload or what it inflates to crossed it.
        const status = row.status === 'failed' ? 500 : problem.code === 'IMPORT_TOO_LARGE' ? 413 : 422;
        throw new AppError(status, problem.code, problem.detail, {
          importId: row.id,
          ...(problem.errors ? { errors: problem.errors } : {}),
          ...(row.rows_rejected ? { errors: await firstRejections(opts.db, row.id) } : {}),
          links: toSummary(row).links,
        });
      }
      reply.header('location', `${BASE}/${row.id}`);
      return reply.code(row.status === 'applied' ? 200 : 202).send(toSummary(row));
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
    async (request) => {
      const principal = principalOf(request);
      let query = opts.db.selectFrom('enrollment.imports').selectAll();
      if (principal.role !== 'admin')
        query = query.where('scope_region_code', 'like', `${principal.regionCode ?? '-'}%`);
      const list = () => query.orderBy('created_at', 'desc').limit(request.query.limit).execute();
      let rows = await list();
      const running = rows.filter((r) => RUNNING.includes(r.status)).map((r) => r.id);
      if (running.length) {
        await opts.importer.settleOrphans(running);
        rows = await list();
      }
      return rows.map(toSummary);
    },
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
    async (request) => {
      const row = await find(request.params.id);
      assertMayRead(principalOf(request), row);
      return toSummary(row);
    },
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
      const row = await find(request.params.id);
      assertMayRead(principalOf(request), row);
      // Every row of an upload keeps the header's keys, so the first rejection names the columns.
      const first = await opts.db
        .selectFrom('enrollment.import_rejections')
        .select('row')
        .where('import_id', '=', row.id)
        .orderBy('line')
        .limit(1)
        .executeTakeFirst();
      const columns = Object.keys(first?.row ?? {});
      // Cells as uploaded, but never as formulas: a clerk opens this file in Excel.
      const csv = createCsvWriter({ columns: ['行号 line', '原因 reasons', ...columns] });
      // A million rejections go out a page at a time, never held whole.
      pipeline(Readable.from(rejectionPages(opts.db, row.id, columns)), csv).catch((err) => {
        request.log.warn({ err }, 'rejections download cut short');
        csv.destroy(err);
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="rejections-${row.id}.csv"`)
        .send(csv);
    },
  );
}

const PAGE = 5000;

async function* rejectionPages(db: Db, importId: string, columns: string[]) {
  let after = 0;
  for (;;) {
    const page = await db
      .selectFrom('enrollment.import_rejections')
      .select(['line', 'reasons', 'row'])
      .where('import_id', '=', importId)
      .where('line', '>', after)
      .orderBy('line')
      .limit(PAGE)
      .execute();
    for (const x of page) yield [x.line, x.reasons.join('; '), ...columns.map((c) => x.row[c] ?? '')];
    if (page.length < PAGE) return;
    after = page[page.length - 1]?.line ?? after;
  }
}

/** The first rejections inline in a problem answer; the CSV link has them all. */
async function firstRejections(db: Db, importId: string) {
  const rows = await db
    .selectFrom('enrollment.import_rejections')
    .select(['line', 'reasons'])
    .where('import_id', '=', importId)
    .orderBy('line')
    .limit(1000)
    .execute();
  return rows.map((r) => ({ line: r.line, message: r.reasons.join('; ') }));
}
