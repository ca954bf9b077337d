import { CallerSchema, ProblemSchema } from '@rmi/contracts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { principalOf } from './auth.js';

// Lets an integrator check a key (role, scope, which service accepts it) before wiring it in,
// without touching data. Answers from the auth cache, so it costs no query.
async function whoami(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/me',
    {
      schema: {
        tags: ['operations'],
        summary: 'The API key presented: its name, role and scope',
        response: { 200: CallerSchema, 401: ProblemSchema },
      },
    },
    async (request) => principalOf(request),
  );
}

export default fp(whoami, { name: 'rmi-whoami', fastify: '5.x', dependencies: ['rmi-auth'] });
