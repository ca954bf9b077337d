import {
  PolicyIdSchema,
  PolicyLoadResultSchema,
  PolicySummarySchema,
  PolicyVersionSchema,
  ProblemSchema,
} from '@rmi/contracts';
import { createPolicyStore, type Db, type StoredPolicy } from '@rmi/db';
import { PolicyDocumentSchema } from '@rmi/rules';
import {
  ConflictError,
  NotFoundError,
  principalOf,
  recordAudit,
  requireRole,
  UnprocessableError,
} from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PolicyCatalog } from '../../policies/policy-catalog.js';

const MAX_POLICY_BYTES = 2 * 1024 * 1024;

type Stored = StoredPolicy<unknown>;

function summary(p: Stored) {
  const doc = p.document as { title?: string; jurisdiction?: string };
  return {
    id: p.id,
    version: p.version,
    year: p.year,
    title: doc.title ?? '',
    jurisdiction: doc.jurisdiction ?? '',
    regionCodes: p.regionCodes,
    origin: p.origin,
    loadedAt: p.loadedAt.toISOString(),
    loadedBy: p.loadedBy,
  };
}

/**
 * Policy documents, one per (jurisdiction, year), loaded without a release. Reading them needs no
 * key: they restate published notices and hold no personal data. Loading needs an admin key.
 */
export default async function policyRoutes(
  app: FastifyInstance,
  opts: { db: Db; catalog: PolicyCatalog },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { catalog } = opts;

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
    async (request) => {
      const { year } = request.query;
      const rows = await catalog.store.inForce();
      return rows.filter((p) => year === undefined || p.year === year).map(summary);
    },
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
    async (request) => {
      const { id } = request.params;
      const { version } = request.query;
      const versions = await catalog.store.versions(id);
      const latest = versions[0];
      if (!latest) throw new NotFoundError('POLICY_NOT_FOUND', `No policy document ${id}.`);
      const chosen = version === undefined ? latest : versions.find((v) => v.version === version);
      if (!chosen) {
        throw new NotFoundError('POLICY_VERSION_NOT_FOUND', `Policy ${id} has versions 1 to ${latest.version}.`);
      }
      return {
        ...summary(chosen),
        inForce: chosen.version === latest.version,
        document: chosen.document as Record<string, unknown>,
      };
    },
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
    async (request) => {
      const versions = await catalog.store.versions(request.params.id);
      if (versions.length === 0)
        throw new NotFoundError('POLICY_NOT_FOUND', `No policy document ${request.params.id}.`);
      return versions.map(summary);
    },
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
      const parsed = PolicyDocumentSchema.safeParse(request.body);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({
          path: ['body', ...i.path.map(String)].join('.'),
          message: i.message,
          code: i.code,
        }));
        throw new UnprocessableError(
          'POLICY_INVALID',
          `The policy document has ${errors.length} problem(s); nothing was loaded.`,
          { errors },
        );
      }
      const doc = parsed.data;
      // Two documents naming the same region for the same year would make the choice depend on
      // load order. A more specific region (a township inside a province-wide document) is fine.
      const clashes = (await catalog.store.inForce())
        .filter((p) => p.id !== doc.id && p.year === doc.year)
        .filter((p) => p.regionCodes.some((code) => doc.regionCodes.includes(code)))
        .map((p) => p.id);
      if (clashes.length > 0) {
        throw new ConflictError(
          'POLICY_OVERLAP',
          `${clashes.join(', ')} already cover(s) one of ${doc.regionCodes.join(', ')} in ${doc.year}; load a new version of that id instead.`,
          { policies: clashes },
        );
      }
      const principal = principalOf(request);
      const result = await opts.db.transaction().execute(async (trx) => {
        const stored = await createPolicyStore(trx).store(doc, { origin: 'api', loadedBy: principal.keyId });
        if (stored.created) {
          await recordAudit(trx, 'enrollment', request, {
            action: 'policy.load',
            entity: 'policy',
            entityId: `${doc.id}@${stored.version}`,
            details: { year: doc.year, regionCodes: doc.regionCodes },
          });
        }
        return stored;
      });
      catalog.forget();
      return reply.code(result.created ? 201 : 200).send({ id: doc.id, ...result });
    },
  );
}
