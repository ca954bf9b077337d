import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { EventSubscriber } from './config.js';
import deadLetterRoutes from './dead-letter-routes.js';
import { pruneOutbox } from './outbox-retention.js';
import type { OutboxPlace } from './outbox-tables.js';
import { createOutboxWorker, disabledOutboxWorker, type OutboxWorker } from './outbox-worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's event delivery: `outbox.nudge()` after committing a change that recorded events. */
    outbox: OutboxWorker;
  }
}

export interface AttachOutboxOptions extends OutboxPlace {
  db: Kysely<any>;
  subscribers: readonly EventSubscriber[];
  /** The `service` key presented to subscribers; without it nothing is delivered. */
  apiKey: string | undefined;
  pollMs: number;
  retentionDays: number;
  maxAttempts: number;
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Delivery for a service's app: decorates it with `outbox`, serves the dead letters to admin
 * (`/v1/outbox/dead-letters`), starts delivering once the app is ready and stops, after the batch
 * in flight, when it closes. Without a service key nothing is delivered: the events wait in the
 * outbox for a replica that has one.
 */
export function attachOutbox(app: FastifyInstance, options: AttachOutboxOptions): OutboxWorker {
  const { db, schema } = options;
  const worker = options.apiKey
    ? createOutboxWorker({
        db,
        schema,
        source: options.source,
        subscribers: options.subscribers,
        apiKey: options.apiKey,
        pollMs: options.pollMs,
        maxAttempts: options.maxAttempts,
        log: app.log.child({ component: 'outbox' }),
      })
    : disabledOutboxWorker;
  app.decorate('outbox', worker);
  app.register(deadLetterRoutes, { db, schema, worker });
  if (!options.apiKey) {
    app.log.warn('SERVICE_API_KEY is not set: events are recorded but not delivered');
    return worker;
  }
  const subscribers = options.subscribers.map((s) => s.name);
  const prune = () =>
    pruneOutbox(db, schema, subscribers, options.retentionDays).then(
      (n) => n > 0 && app.log.info({ rows: n }, 'outbox rows past retention removed'),
      (err) => app.log.warn({ err }, 'outbox retention failed'),
    );
  let pruning: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    worker.start();
    void prune();
    pruning = setInterval(prune, PRUNE_EVERY_MS).unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(pruning);
    await worker.stop();
  });
  return worker;
}
