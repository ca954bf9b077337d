import { ProblemSchema, RegionImportResultSchema, RegionSchema, RegionWithChildrenSchema } from '@rmi/contracts';
import { type Db, importRegions, parseRegionCsv, RegionImportError } from '@rmi/db';
import {
  assertRegionInScope,
  NotFoundError,
  principalOf,
  recordAudit,
  requireRole,
  UnprocessableError,
  ValidationError,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createRegionsRepository } from '../../repositories/regions.repository.js';
import { acceptCsvBytes } from '../csv-body.js';

const MAX_CSV_BYTES = 20 * 1024 * 1024;

const toRegion = (r: {
  code: string;
  name: string;
  level: z.infer<typeof RegionSchema>['level'];
  parent_code: string | null;
}) => ({
  code: r.code,
  name: r.name,
  level: r.level,
  parentCode: r.parent_code,
});

export default async function regionRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const regions = createRegionsRepository(opts.db);

  acceptCsvBytes(app, MAX_CSV_BYTES);

  r.get(
    '/v1/regions',
    {
      schema: {
        tags: ['regions'],
        summary: 'Top of the division tree (provinces)',
        response: { 200: z.array(RegionSchema) },
      },
    },
    async () => (await regions.roots()).map(toRegion),
  );

  r.get(
    '/v1/regions/:code',
    {
      schema: {
        tags: ['regions'],
        summary: 'A region with its ancestors and children; limited to the key’s own region',
        params: z.object({ code: z.string().regex(/^\d{2,12}$/, 'a division code') }),
        response: { 200: RegionWithChildrenSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const { code } = request.params;
      const principal = principalOf(request);
      // Reading above one's own scope is allowed for the path to it, not for siblings' details.
      const family = await regions.withFamily(code);
      if (!family) throw new NotFoundError('REGION_NOT_FOUND', `No region ${code}.`);
      if (!principal.regionCode?.startsWith(code)) assertRegionInScope(principal, code, `Region ${code}`);
      const { region, path, children } = family;
      return { ...toRegion(region), path: path.map(toRegion), children: children.map(toRegion) };
    },
  );

  r.post(
    '/v1/regions/import',
    {
      onRequest: requireRole('admin'),
      bodyLimit: MAX_CSV_BYTES,
      config: {
        upload: {
          mediaTypes: ['text/csv'],
          description: 'CSV with columns code, name, parent code (Chinese or English headers), UTF-8 or GB18030',
        },
      },
      schema: {
        tags: ['regions'],
        summary: 'Import a region CSV (code, name, parent code; UTF-8 or GB18030) as one all-or-nothing batch',
        response: { 200: RegionImportResultSchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new ValidationError([{ path: 'body', message: 'a CSV file is required (Content-Type: text/csv)' }]);
      }
      const parsed = parseRegionCsv(body);
      if (parsed.errors.length) {
        throw new UnprocessableError(
          'IMPORT_ROWS_INVALID',
          `${parsed.errors.length} row(s) are invalid; nothing was imported.`,
          {
            errors: parsed.errors.map((e) => ({
              path: `line:${e.line}/${e.field}`,
              line: e.line,
              message: e.message,
              code: e.code,
            })),
          },
        );
      }
      const principal = principalOf(request);
      try {
        return await opts.db.transaction().execute(async (trx) => {
          const result = await importRegions(trx, parsed.rows, `import:${principal.keyId}`);
          await recordAudit(trx, 'enrollment', request, {
            action: 'regions.import',
            entity: 'region',
            details: { rows: parsed.rows.length, ...result },
          });
          return { ...result, encoding: parsed.encoding };
        });
      } catch (err) {
        if (err instanceof RegionImportError) {
          throw new UnprocessableError(
            'IMPORT_ROWS_INVALID',
            `${err.errors.length} row(s) are invalid; nothing was imported.`,
            {
              errors: err.errors.map((e) => ({
                path: `line:${e.line}/${e.field}`,
                line: e.line,
                message: e.message,
                code: e.code,
              })),
            },
          );
        }
        throw err;
      }
    },
  );
}
