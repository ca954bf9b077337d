import { ApiKeySchema, CreateApiKeyBodySchema, CreatedApiKeySchema, ProblemSchema } from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeysService } from '../../api-keys/api-keys.service.js';

export default async function apiKeyRoutes(app: FastifyInstance, opts: { keys: ApiKeysService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { keys } = opts;
  const adminOnly = requireRole('admin');

  r.post(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key bound to a role and scope; the key is shown only in this answer',
        body: CreateApiKeyBodySchema,
        response: { 201: CreatedApiKeySchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await keys.create(actorOf(request), request.body)),
  );

  r.get(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api keys'],
        summary: 'List keys (never their secrets)',
        response: { 200: z.array(ApiKeySchema) },
      },
    },
    async () => keys.list(),
  );

  r.delete(
    '/v1/api-keys/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api keys'],
        summary: 'Revoke a key; its next use answers 401 KEY_REVOKED',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      await keys.revoke(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
