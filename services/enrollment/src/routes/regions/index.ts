import { ProblemSchema, RegionImportResultSchema, RegionSchema, RegionWithChildrenSchema } from '@rmi/contracts';
import { actorOf, requireRole, ValidationError } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RegionsService } from '../../regions/regions.service.js';
import { acceptCsvBytes } from '../csv-body.js';

const MAX_CSV_BYTES = 20 * 1024 * 1024;

export default async function regionRoutes(app: FastifyInstance, opts: { regions: RegionsService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { regions } = opts;

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
    async () => regions.roots(),
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
    async (request) => regions.family(actorOf(request), request.params.code),
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
      return regions.importCsv(actorOf(request), body);
    },
  );
}
