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
import { actorOf, principalOf, requireRole, UnprocessableError, ValidationError } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TargetsService } from '../../targets/targets.service.js';
import { acceptCsvBytes } from '../csv-body.js';
import { checkTargetRows, readTargetCsv } from './rows.js';

const WRITE_ROLES = ['county-operator', 'township-operator'] as const;
const MAX_CSV_BYTES = 5 * 1024 * 1024;

export default async function targetRoutes(app: FastifyInstance, opts: { targets: TargetsService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { targets } = opts;

  acceptCsvBytes(app, MAX_CSV_BYTES);

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
      const rows = given.map((t) => ({ regionCode: t.regionCode.trim(), target: t.target, source: t.source ?? null }));
      // Each bad row is named by its place in the body; the service says which codes are villages.
      return targets.setLoaded(actorOf(request), { year, rows, action: 'targets.set' }, (levels) => {
        const issues = checkTargetRows(rows, levels, principalOf(request), (i) => `body.targets.${i}`);
        if (issues.length > 0) {
          throw new UnprocessableError(
            'TARGETS_INVALID',
            `${new Set(issues.map((i) => i.index)).size} target row(s) are invalid; nothing was written.`,
            { errors: issues.map((i) => ({ path: `body.targets.${i.index}.${i.field}`, message: i.message })) },
          );
        }
      });
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
      const parsed = readTargetCsv(body);
      const rows = parsed.rows.map((row) => ({
        regionCode: row.regionCode,
        // Written only once every row passed the checks, so each target was read.
        target: row.target ?? 0,
        source: row.source ?? source ?? null,
      }));
      // Each bad row is named by its line in the file, the file's own complaints among them.
      const written = await targets.setLoaded(actorOf(request), { year, rows, action: 'targets.import' }, (levels) => {
        const errors = [...parsed.errors];
        const lineOf = (index: number) => parsed.rows[index]?.line ?? 0;
        for (const issue of checkTargetRows(parsed.rows, levels, principalOf(request), (i) => `line ${lineOf(i)}`)) {
          errors.push({ line: lineOf(issue.index), column: issue.field, message: issue.message });
        }
        if (errors.length > 0) {
          errors.sort((a, b) => a.line - b.line || (a.column ?? '').localeCompare(b.column ?? ''));
          throw new UnprocessableError(
            'IMPORT_ROWS_INVALID',
            `${new Set(errors.map((e) => e.line)).size} line(s) are invalid; nothing was imported.`,
            { errors: errors.map((e) => ({ path: `line:${e.line}/${e.column ?? 'file'}`, ...e })) },
          );
        }
      });
      return { ...written, encoding: parsed.encoding };
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
    async (request) => targets.compute(actorOf(request), request.body),
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
    async (request) => targets.list(actorOf(request), request.query),
  );
}
