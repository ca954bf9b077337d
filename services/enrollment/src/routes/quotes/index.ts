import { ProblemSchema, QuoteRequestSchema, QuoteSchema } from '@rmi/contracts';
import { quoteFrom } from '@rmi/rules';
import type { PolicyCatalog } from '@rmi/service-kit';
import { fastResponseSerializer } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ruleProblem } from '../../policies/rule-problem.js';

/** contracts/quote.md: public, no personal data, answered from the policies in memory. */
export default async function quoteRoutes(app: FastifyInstance, opts: { catalog: PolicyCatalog }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/quotes',
    {
      config: { public: true },
      serializerCompiler: fastResponseSerializer(),
      schema: {
        tags: ['quotes'],
        summary: 'What a person pays for a year, the assistance that applies and the benefit period',
        description:
          'No key needed. Every rule that shaped the answer is listed in `reasons` with the notice it ' +
          'comes from. Errors per contracts/quote.md: POLICY_NOT_FOUND, UNKNOWN_IDENTITY, TIER_NOT_OFFERED, ' +
          'ENROLLMENT_CLOSED, OUTSIDE_PAYMENT_DAYS, NEWBORN_WINDOW_PASSED, POLICY_INCOMPLETE.',
        body: QuoteRequestSchema,
        response: { 200: QuoteSchema, 400: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const outcome = quoteFrom(await opts.catalog.documents(), request.body);
      if (!outcome.ok) throw ruleProblem(outcome.error);
      return outcome.quote;
    },
  );
}
