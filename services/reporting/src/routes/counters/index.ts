import { ProblemSchema } from '@rmi/contracts';
import { requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkCounters } from '../../counters/check-counters.js';
import { CounterCheckSchema, RebuildResultSchema } from '../../counters/counter-shapes.js';
import { rebuildCounters } from '../../counters/rebuild-counters.js';
import type { ReportingDeps } from '../../deps.js';

const ADMIN_ONLY = requireRole();
const PROBLEMS = { 401: ProblemSchema, 403: ProblemSchema };

/** The counters for an administrator: rebuilt from the views, or compared with them. */
export default async function countersRoutes(app: FastifyInstance, opts: { deps: ReportingDeps }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/counters/rebuild',
    {
      onRequest: ADMIN_ONLY,
      schema: {
        tags: ['counters'],
        summary: 'Recompute every counter from the published views, in one transaction (as `pnpm rebuild-counters`)',
        description:
          'Deliveries of events wait while it runs, then refresh on top of it; reports go on reading the ' +
          'figures as they stood until it commits. Admin only.',
        response: { 200: RebuildResultSchema, ...PROBLEMS },
      },
    },
    async (request) => {
      const result = await rebuildCounters(opts.deps);
      request.log.info(result, 'counters rebuilt');
      return result;
    },
  );

  r.get(
    '/v1/counters/check',
    {
      onRequest: ADMIN_ONLY,
      schema: {
        tags: ['counters'],
        summary: 'Compare every counter with the GROUP BY over the views it is kept from',
        description: 'Answers whether they are equal and the first 20 rows that differ. Admin only.',
        response: { 200: CounterCheckSchema, ...PROBLEMS },
      },
    },
    async () => checkCounters(opts.deps),
  );
}
