import {
  DepartmentSchema,
  IdentityTypeSchema,
  ProblemSchema,
  ResolvedIdentitiesSchema,
  ResolveIdentitiesBodySchema,
} from '@rmi/contracts';
import { resolveIdentities } from '@rmi/rules';
import { principalOf } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IdentityDb } from '../../db.js';
import { createIdentityTypesRepository } from '../../repositories/identity-types.repository.js';

export default async function identityTypeRoutes(app: FastifyInstance, opts: { db: IdentityDb }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const types = createIdentityTypesRepository(opts.db);

  r.get(
    '/v1/identity-types',
    {
      schema: {
        tags: ['identity types'],
        summary: 'Identity codes with their printed labels and certifying department; a feed key sees its own',
        querystring: z.object({ department: DepartmentSchema.optional() }),
        response: { 200: z.array(IdentityTypeSchema), 400: ProblemSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const department =
        principal.role === 'department-feed' ? (principal.department ?? undefined) : request.query.department;
      return (await types.list(department)).map((t) => ({
        code: t.code,
        labels: t.labels,
        department: t.department,
        cqAssistanceCode: t.cq_assistance_code,
      }));
    },
  );

  r.post(
    '/v1/identity-types/resolve',
    {
      schema: {
        tags: ['identity types'],
        summary: 'Map labels as printed in notices (or Chongqing assistance numbers) to identity codes',
        body: ResolveIdentitiesBodySchema,
        response: { 200: ResolvedIdentitiesSchema, 400: ProblemSchema },
      },
    },
    async (request) => resolveIdentities(request.body.identities),
  );
}
