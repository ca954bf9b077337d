import { EstimateRequestSchema, EstimateSchema, ProblemSchema } from '@rmi/contracts';
import { estimateReimbursement, findPolicy } from '@rmi/rules';
import type { PolicyCatalog } from '@rmi/service-kit';
import { NotFoundError } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ruleProblem } from '../../policies/rule-problem.js';

/** Inpatient reimbursement estimates for county desks; public like quotes, no personal data. */
export default async function estimateRoutes(app: FastifyInstance, opts: { catalog: PolicyCatalog }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/estimates',
    {
      config: { public: true },
      schema: {
        tags: ['quotes'],
        summary: 'Estimate what basic and critical-illness insurance pay for one inpatient stay',
        description:
          'An explanation aid, not a settlement: deductible, ratio and cap by hospital level and tier ' +
          '(000 annex 2, 003#七), then critical-illness insurance on what is left, with the 2025 tilt for ' +
          'extreme-poverty, subsistence-allowance and relapse-risk groups. Simplifications are listed in ' +
          'packages/rules/POLICY.md.',
        body: EstimateRequestSchema,
        response: { 200: EstimateSchema, 400: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => {
      const { regionCode, year, ...facts } = request.body;
      const policy = findPolicy(await opts.catalog.documents(), regionCode, year);
      if (!policy) throw new NotFoundError('POLICY_NOT_FOUND', `No policy covers region ${regionCode} in ${year}.`);
      const outcome = estimateReimbursement(policy, facts);
      if (!outcome.ok) throw ruleProblem(outcome.error);
      return { policyId: policy.id, ...outcome.estimate };
    },
  );
}
