import { EventBatchSchema, EventsReceivedSchema, ProblemSchema } from '@rmi/contracts';
import { requireOnlyRoles } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { receiveEvents } from '../../counters/receive-events.js';
import type { ReportingDeps } from '../../deps.js';

export default async function eventRoutes(app: FastifyInstance, opts: { deps: ReportingDeps }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/events',
    {
      onRequest: requireOnlyRoles('service'),
      schema: {
        tags: ['events'],
        summary: 'Receive a batch of events from another service’s outbox; a redelivery changes nothing',
        description:
          'Every event is stored by (source, id), and the counters the new ones touch (village, special ' +
          'groups, days paid, channels) are recomputed from the published views in the same transaction. ' +
          'An event of an unknown topic, or whose payload cannot be read, is stored and left alone.',
        body: EventBatchSchema,
        response: { 200: EventsReceivedSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => receiveEvents(opts.deps.db, request.body, request.log),
  );
}
