import {
  PolicyIdSchema,
  PolicyLoadResultSchema,
  PolicySummarySchema,
  PolicyVersionSchema,
  ProblemSchema,
} from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PoliciesService } from '../../policies/policies.service.js';

const MAX_POLICY_BYTES = 2 * 1024 * 1024;

/**
 * Policy documents, one per (jurisdiction, year), loaded without a release. Reading them needs no
 * key: they restate published notices and hold no personal data. Loading needs an admin key.
 */
export default async function policyRoutes(app: FastifyInstance, opts: { policies: PoliciesService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { policies } = opts;

  r.get(
    '/v1/policies',
    {
      config: { public: true },
      schema: {
        tags: ['policies'],
        summary: 'The policy documents in force (latest version of each id)',
        querystring: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() }),
        response: { 200: z.array(PolicySummarySchema) },
      },
    },
    async (request) => policies.list(request.query.year),
  );

  r.get(
    '/v1/policies/:id',
    {
      config: { public: true },
      schema: {
        tags: ['policies'],
        summary: 'One policy document: the version in force, or ?version=n',
        params: z.object({ id: PolicyIdSchema }),
        querystring: z.object({ version: z.coerce.number().int().positive().optional() }),
        response: { 200: PolicyVersionSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => policies.get(request.params.id, request.query.version),
  );

  r.get(
    '/v1/policies/:id/versions',
    {
      config: { public: true },
      schema: {
        tags: ['policies'],
        summary: 'Every version of a policy document, newest first, without the documents',
        params: z.object({ id: PolicyIdSchema }),
        response: { 200: z.array(PolicySummarySchema), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => policies.versions(request.params.id),
  );

  r.post(
    '/v1/policies',
    {
      onRequest: requireRole('admin'),
      bodyLimit: MAX_POLICY_BYTES,
      schema: {
        tags: ['policies'],
        summary: 'Load a policy document; it is in force at once, and the previous version is kept',
        description:
          'The body is a policy document (see packages/rules/POLICY.md). A document that fails validation ' +
          'is 422 POLICY_INVALID with every problem in `errors`, and the version in force stays. Loading a ' +
          'document identical to the one in force changes nothing (200, created false).',
        body: z.record(z.string(), z.unknown()).describe('a policy document'),
        response: {
          200: PolicyLoadResultSchema,
          201: PolicyLoadResultSchema,
          400: ProblemSchema,
          403: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await policies.load(actorOf(request), request.body);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );
}
