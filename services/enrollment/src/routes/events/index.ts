import { EnrollmentEventsReceivedSchema, EventBatchSchema, ProblemSchema } from '@rmi/contracts';
import { actorOf, requireOnlyRoles } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { EventsService } from '../../events/receive-events.js';

/** Where other services' outboxes deliver (subsidy-identity's deaths); a redelivery changes nothing. */
export default async function eventRoutes(app: FastifyInstance, opts: { events: EventsService }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/events',
    {
      onRequest: requireOnlyRoles('service'),
      schema: {
        tags: ['events'],
        summary: 'Receive a batch of events from another service’s outbox; a redelivery changes nothing',
        description:
          'Every event is stored by (source, id). A `person.died` stored for the first time records the ' +
          "person's `diedOn` (the earlier day when another is recorded) and cancels their unpaid " +
          'registrations with reason `death`; paid enrolments keep their record. People not registered ' +
          'here are counted in `deaths.unknownPersons`. Other topics are stored and left alone.',
        body: EventBatchSchema,
        response: {
          200: EnrollmentEventsReceivedSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const answer = await opts.events.receive(actorOf(request), request.body);
      if (answer.deaths.invalid > 0) {
        // Kept, not refused (the publisher's stream goes on); someone must look at them.
        request.log.warn(
          { source: request.body.source, invalid: answer.deaths.invalid },
          'death events stored but not acted on',
        );
      }
      return answer;
    },
  );
}
