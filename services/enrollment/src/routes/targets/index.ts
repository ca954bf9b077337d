import {
  ComputeTargetsBodySchema,
  ImportTargetsQuerySchema,
  ProblemSchema,
  SetTargetsBodySchema,
  TargetsImportedSchema,
  TargetsListSchema,
  TargetsQuerySchema,
  TargetsWrittenSchema,
} from '@rmi/contracts';
import type { Db } from '@rmi/db';
import {
  assertRegionInScope,
  NotFoundError,
  principalOf,
  recordAudit,
  requireRole,
  UnprocessableError,
  ValidationError,
} from '@rmi/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { recordEvent } from '../../events/outbox.js';
import {
  createTargetsRepository,
  type TargetInput,
  type TargetRow,
  type WrittenTargetRow,
} from '../../repositories/targets.repository.js';
import { acceptCsvBytes } from '../csv-body.js';
import { checkTargetRows, readTargetCsv } from './rows.js';

const WRITE_ROLES = ['county-operator', 'township-operator'] as const;
const MAX_CSV_BYTES = 5 * 1024 * 1024;

const toTarget = (row: TargetRow) => ({
  regionCode: row.region_code,
  regionName: row.region_name,
  year: row.year,
  target: row.target,
  basis: row.basis,
  basisDate: row.basis_date,
  source: row.source,
  setBy: row.set_by,
  setAt: row.set_at.toISOString(),
});

const sum = (rows: readonly { target: number }[]) => rows.reduce((total, r) => total + r.target, 0);

const toWritten = (year: number, rows: WrittenTargetRow[]) => {
  const inserted = rows.filter((r) => r.inserted).length;
  return { year, inserted, updated: rows.length - inserted, total: sum(rows), targets: rows.map(toTarget) };
};

/** The smallest division holding every code, so an operator's audit view finds the batch. */
function commonRegion(codes: readonly string[]): string | null {
  const [first] = codes;
  if (first === undefined) return null;
  for (const length of [12, 9, 6, 4, 2]) {
    const prefix = first.slice(0, length);
    if (prefix.length === length && codes.every((c) => c.startsWith(prefix))) return prefix;
  }
  return null;
}

export default async function targetRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const targets = createTargetsRepository(opts.db);

  acceptCsvBytes(app, MAX_CSV_BYTES);

  /** Writes checked rows with their audit entry and event, all in one transaction. */
  async function writeLoaded(request: FastifyRequest, year: number, rows: TargetInput[], action: string) {
    const principal = principalOf(request);
    const regionCode = commonRegion(rows.map((row) => row.regionCode));
    return opts.db.transaction().execute(async (trx) => {
      const written = await createTargetsRepository(trx).setLoaded(year, rows, principal.keyId);
      const result = toWritten(year, written);
      await recordAudit(trx, 'enrollment', request, {
        action,
        entity: 'target',
        regionCode,
        details: { year, basis: 'loaded', rows: written.length, inserted: result.inserted, total: result.total },
      });
      await recordEvent(trx, 'target.set', {
        year,
        basis: 'loaded',
        basisDate: null,
        regionCode,
        targets: written.map((w) => ({ regionCode: w.region_code, target: w.target })),
      });
      return result;
    });
  }

  r.put(
    '/v1/targets',
    {
      onRequest: requireRole(...WRITE_ROLES),
      schema: {
        tags: ['targets'],
        summary: 'Set village targets (任务数) for a year as one all-or-nothing batch',
        body: SetTargetsBodySchema,
        response: { 200: TargetsWrittenSchema, 400: ProblemSchema, 403: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const { year, targets: given } = request.body;
      const principal = principalOf(request);
      const rows = given.map((t) => ({ regionCode: t.regionCode.trim(), target: t.target, source: t.source ?? null }));
      const levels = await targets.levelsOf(rows.map((row) => row.regionCode));
      const issues = checkTargetRows(rows, levels, principal, (i) => `body.targets.${i}`);
      if (issues.length > 0) {
        throw new UnprocessableError(
          'TARGETS_INVALID',
          `${new Set(issues.map((i) => i.index)).size} target row(s) are invalid; nothing was written.`,
          { errors: issues.map((i) => ({ path: `body.targets.${i.index}.${i.field}`, message: i.message })) },
        );
      }
      return writeLoaded(request, year, rows, 'targets.set');
    },
  );

  r.post(
    '/v1/targets/import',
    {
      onRequest: requireRole(...WRITE_ROLES),
      bodyLimit: MAX_CSV_BYTES,
      config: {
        upload: {
          mediaTypes: ['text/csv'],
          description: 'CSV with columns village code and target (Chinese or English headers), UTF-8 or GB18030',
        },
      },
      schema: {
        tags: ['targets'],
        summary: 'Import village targets from CSV (village code, target; UTF-8 or GB18030), all or nothing',
        querystring: ImportTargetsQuerySchema,
        response: {
          200: TargetsImportedSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          415: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new ValidationError([{ path: 'body', message: 'a CSV file is required (Content-Type: text/csv)' }]);
      }
      const { year, source } = request.query;
      const principal = principalOf(request);
      const parsed = readTargetCsv(body);
      const errors = [...parsed.errors];
      if (parsed.rows.length > 0) {
        const levels = await targets.levelsOf(parsed.rows.map((row) => row.regionCode));
        const lineOf = (index: number) => parsed.rows[index]?.line ?? 0;
        for (const issue of checkTargetRows(parsed.rows, levels, principal, (i) => `line ${lineOf(i)}`)) {
          errors.push({ line: lineOf(issue.index), column: issue.field, message: issue.message });
        }
      }
      if (errors.length > 0) {
        errors.sort((a, b) => a.line - b.line || (a.column ?? '').localeCompare(b.column ?? ''));
        throw new UnprocessableError(
          'IMPORT_ROWS_INVALID',
          `${new Set(errors.map((e) => e.line)).size} line(s) are invalid; nothing was imported.`,
          { errors: errors.map((e) => ({ path: `line:${e.line}/${e.column ?? 'file'}`, ...e })) },
        );
      }
      const rows = parsed.rows.map((row) => ({
        regionCode: row.regionCode,
        // Every row passed the checks, so each target was read.
        target: row.target ?? 0,
        source: row.source ?? source ?? null,
      }));
      return { ...(await writeLoaded(request, year, rows, 'targets.import')), encoding: parsed.encoding };
    },
  );

  r.post(
    '/v1/targets/compute',
    {
      onRequest: requireRole(...WRITE_ROLES),
      schema: {
        tags: ['targets'],
        summary: 'Compute the target of every village under a region from hukou population or enrolments on a date',
        body: ComputeTargetsBodySchema,
        response: { 200: TargetsWrittenSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { year, regionCode, basis, date, source } = request.body;
      const principal = principalOf(request);
      assertRegionInScope(principal, regionCode, `Region ${regionCode}`);
      if (!(await targets.findRegion(regionCode))) {
        throw new NotFoundError('REGION_NOT_FOUND', `No region ${regionCode}.`);
      }
      return opts.db.transaction().execute(async (trx) => {
        const written = await createTargetsRepository(trx).compute(
          year,
          regionCode,
          basis,
          date,
          source ?? null,
          principal.keyId,
        );
        const result = toWritten(year, written);
        await recordAudit(trx, 'enrollment', request, {
          action: 'targets.compute',
          entity: 'target',
          regionCode,
          details: { year, basis, date, rows: written.length, inserted: result.inserted, total: result.total },
        });
        await recordEvent(trx, 'target.set', {
          year,
          basis,
          basisDate: date,
          regionCode,
          targets: written.map((w) => ({ regionCode: w.region_code, target: w.target })),
        });
        return result;
      });
    },
  );

  // Targets are published with the notices (002_760418c3a3365474.txt annex 1), so every key may
  // read those of its own region; dashboards track completion against them.
  r.get(
    '/v1/targets',
    {
      schema: {
        tags: ['targets'],
        summary: 'Village targets of a year under a region, with their total',
        querystring: TargetsQuerySchema,
        response: { 200: TargetsListSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { year } = request.query;
      const principal = principalOf(request);
      const regionCode = request.query.regionCode ?? principal.regionCode ?? null;
      let regionName: string | null = null;
      if (regionCode) {
        assertRegionInScope(principal, regionCode, `Region ${regionCode}`);
        const region = await targets.findRegion(regionCode);
        if (!region) throw new NotFoundError('REGION_NOT_FOUND', `No region ${regionCode}.`);
        regionName = region.name;
      } else if (principal.role !== 'admin') {
        // A key without a region (a department feed) names the region it wants.
        throw new ValidationError([{ path: 'query.regionCode', message: 'required for a key without a region' }]);
      }
      const rows = await targets.list(year, regionCode);
      return { year, regionCode, regionName, total: sum(rows), targets: rows.map(toTarget) };
    },
  );
}
