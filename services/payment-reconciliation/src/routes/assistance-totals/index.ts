import { AssistanceTotalsPageSchema, AssistanceTotalsQuerySchema, ProblemSchema } from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createAssistanceTotals } from '../../assistance/assistance-totals.js';
import type { PaymentRoutesOptions } from '../routes-options.js';

/** Payment on behalf (代缴) per person and year, across request batches. */
export default async function assistanceTotalRoutes(app: FastifyInstance, opts: PaymentRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const totals = createAssistanceTotals(opts.db);
  r.get(
    '/v1/assistance-totals',
    {
      onRequest: requireRole('county-operator', 'township-operator', 'dashboard'),
      schema: {
        tags: ['payment imports'],
        summary: 'What assistance funds paid on each person’s behalf (代缴) in a year, across request batches',
        description:
          'The sum of assistance on effective (not reversed) payments of channel `assistance` whose village is under ' +
          '`regionCode`, per person, with the request batches (请款批次) that paid; keyset pages in ID-number order ' +
          '(`next` → `after`). Operators and dashboards in their region, admin.',
        querystring: AssistanceTotalsQuerySchema,
        response: { 200: AssistanceTotalsPageSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => totals.page(actorOf(request), request.query),
  );
}
