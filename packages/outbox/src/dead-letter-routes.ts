import { DeadLetterListQuerySchema, DeadLetterParamsSchema, DeadLetterSchema, ProblemSchema } from '@rmi/contracts';
import { AppError, actorOf, ConflictError, NotFoundError, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { createDeadLetterStore } from './dead-letters.js';
import type { OutboxWorker } from './outbox-worker.js';

export interface DeadLetterRoutesOptions {
  db: Kysely<any>;
  schema: string;
  worker: OutboxWorker;
}

const notFound = (id: number) => new NotFoundError('DEAD_LETTER_NOT_FOUND', `No dead letter ${id} in this outbox.`);
const PROBLEMS = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema };

/**
 * The dead letters of a service's outbox, for an administrator: what was set aside and why, and
 * a retry once the subscriber has been fixed.
 */
export default async function deadLetterRoutes(app: FastifyInstance, opts: DeadLetterRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const store = createDeadLetterStore(opts.db, opts.schema);

  r.get(
    '/v1/outbox/dead-letters',
    {
      onRequest: requireRole(),
      schema: {
        tags: ['outbox'],
        summary: 'Batches of events a subscriber refused OUTBOX_MAX_ATTEMPTS times, set aside; newest first',
        querystring: DeadLetterListQuerySchema,
        response: { 200: z.array(DeadLetterSchema), ...PROBLEMS },
      },
    },
    async (request) => store.list(request.query),
  );

  r.get(
    '/v1/outbox/dead-letters/:id',
    {
      onRequest: requireRole(),
      schema: {
        tags: ['outbox'],
        summary: 'One dead letter, with its events (ID numbers masked)',
        params: DeadLetterParamsSchema,
        response: { 200: DeadLetterSchema, 404: ProblemSchema, ...PROBLEMS },
      },
    },
    async (request) => {
      const letter = await store.find(request.params.id);
      if (!letter) throw notFound(request.params.id);
      return letter;
    },
  );

  r.post(
    '/v1/outbox/dead-letters/:id/retry',
    {
      onRequest: requireRole(),
      schema: {
        tags: ['outbox'],
        summary:
          'Sends a dead letter’s events to its subscriber again, as recorded; a second retry of a delivered one sends nothing',
        params: DeadLetterParamsSchema,
        response: { 200: DeadLetterSchema, 404: ProblemSchema, 409: ProblemSchema, 502: ProblemSchema, ...PROBLEMS },
      },
    },
    async (request) => {
      const { id } = request.params;
      const outcome = await opts.worker.redeliver(id, actorOf(request));
      switch (outcome.status) {
        case 'redelivered':
          return outcome.deadLetter;
        case 'not-found':
          throw notFound(id);
        case 'refused':
          throw new AppError(502, 'DEAD_LETTER_REFUSED', `The subscriber refused it again: ${outcome.error}`);
        case 'unknown-subscriber':
          throw new ConflictError(
            'SUBSCRIBER_UNKNOWN',
            `Subscriber ${outcome.deadLetter.subscriber} is not in EVENT_SUBSCRIBERS of this service.`,
          );
        case 'events-gone':
          throw new ConflictError(
            'DEAD_LETTER_EVENTS_GONE',
            `${outcome.missing} of its events are no longer in the outbox; nothing was sent.`,
          );
        case 'disabled':
          if (!(await store.find(id))) throw notFound(id);
          throw new ConflictError('DELIVERY_DISABLED', 'This service has no SERVICE_API_KEY: it delivers no events.');
      }
    },
  );
}
