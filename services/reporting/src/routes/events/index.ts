import { EventBatchSchema, EventsReceivedSchema, ProblemSchema } from '@rmi/contracts';
import { requireOnlyRoles } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ReportingDeps } from '../../deps.js';
import { createReceivedEventsRepository } from '../../repositories/received-events.repository.js';

export default async function eventRoutes(app: FastifyInstance, opts: { deps: ReportingDeps }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const received = createReceivedEventsRepository(opts.deps.db);

  r.post(
    '/v1/events',
    {
      onRequest: requireOnlyRoles('service'),
      schema: {
        tags: ['events'],
        summary: 'Receive a batch of events from another service’s outbox; a redelivery changes nothing',
        body: EventBatchSchema,
        response: { 200: EventsReceivedSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => {
      const { source, events } = request.body;
      return received.store(source, events);
    },
  );
}
