import { createHash } from 'node:crypto';
import type { DeadLetter, DeliveredEvent } from '@rmi/contracts';
import { type Actor, recordAudit } from '@rmi/service-kit';
import { type Kysely, sql } from 'kysely';
import type { EventSubscriber } from './config.js';
import { createDeadLetterStore, insertDeadLetter, toDeadLetter } from './dead-letters.js';
import { createDrainLoop } from './drain-loop.js';
import { assertSchemaName, type OutboxPlace, tableRef, tablesIn } from './outbox-tables.js';
import { createSubscriberPoster, describeError } from './subscriber-post.js';

/** What the worker logs through; a fastify or pino logger fits. */
export interface OutboxLog {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface OutboxWorkerOptions extends OutboxPlace {
  db: Kysely<any>;
  subscribers: readonly EventSubscriber[];
  /** A `service` key, sent as `Authorization: Bearer …`. */
  apiKey: string;
  log: OutboxLog;
  /** Wake-up interval when nothing nudges the worker. */
  pollMs?: number;
  /** Events per POST. */
  batchSize?: number;
  /** Longest a POST may take, connection to last byte. */
  timeoutMs?: number;
  /** Wait before the first retry; each further failure doubles it, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Refusals of one batch after which it is set aside as a dead letter (0: never). */
  maxAttempts?: number;
}

export type DeliveryOutcome =
  | { status: 'delivered'; events: number; throughId: number }
  /** Nothing new, or nothing yet past the delivery horizon. */
  | { status: 'idle' }
  /** Backing off after a failure; the next attempt is due in `retryInMs`. */
  | { status: 'waiting'; retryInMs: number }
  /** Another replica (or another call here) is delivering to this subscriber. */
  | { status: 'busy' }
  | { status: 'failed'; attempts: number; error: string; retryInMs: number }
  /** Refused `maxAttempts` times: recorded as dead letter `deadLetterId`, and the cursor moved past it. */
  | { status: 'set-aside'; deadLetterId: number; events: number; throughId: number; attempts: number; error: string };

export type RedeliveryOutcome =
  /** `posted` is false when another retry had already delivered it. */
  | { status: 'redelivered'; deadLetter: DeadLetter; posted: boolean }
  | { status: 'refused'; deadLetter: DeadLetter; error: string }
  | { status: 'not-found' }
  /** Its subscriber is no longer configured on this replica. */
  | { status: 'unknown-subscriber'; deadLetter: DeadLetter }
  /** Some of its outbox rows were deleted by hand: nothing is sent. */
  | { status: 'events-gone'; deadLetter: DeadLetter; missing: number }
  /** This replica has no service key and delivers nothing. */
  | { status: 'disabled' };

export interface OutboxWorker {
  start(): void;
  /** Stops waking up; resolves once the delivery in flight, if any, has finished. */
  stop(): Promise<void>;
  /** Looks at the outbox now instead of at the next interval. */
  nudge(): void;
  /** One batch per subscriber, now, whether or not the worker is started. */
  deliverOnce(): Promise<Record<string, DeliveryOutcome>>;
  /**
   * Sends a dead letter's events to its subscriber again, now; with an actor, the attempt is
   * written to the audit log in the same transaction.
   */
  redeliver(deadLetterId: number, actor?: Actor): Promise<RedeliveryOutcome>;
}

const DEFAULTS = {
  pollMs: 1000,
  batchSize: 200,
  timeoutMs: 10_000,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  maxAttempts: 10,
};
// A subscriber failing this many times in a row is logged as a warning; fewer are expected while
// a receiver restarts (and at `pnpm start`, while reporting comes up).
const WARN_AFTER_ATTEMPTS = 3;
// First key of the two-key advisory lock, so these locks cannot collide with another feature's.
const LOCK_CLASS = 0x6f757462; // 'outb'

/** Second key of the advisory lock: a stable 32-bit hash of the outbox and the subscriber's name. */
function lockKey(schema: string, subscriber: string): number {
  return createHash('sha256').update(`${schema}.${subscriber}`).digest().readInt32BE(0);
}

/**
 * No jitter: only one replica delivers to a subscriber at a time, so retries never arrive in a
 * herd, and a fixed schedule is one an operator can read off `attempts`.
 */
function retryDelayMs(attempts: number, first: number, max: number): number {
  return Math.min(max, first * 2 ** Math.max(0, attempts - 1));
}

interface OutboxRow {
  id: number;
  xid: string;
  topic: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

const toDelivered = (r: OutboxRow): DeliveredEvent => ({
  id: r.id,
  topic: r.topic,
  payload: r.payload,
  createdAt: r.created_at.toISOString(),
});

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { db, schema, source, apiKey, log } = options;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const firstBackoff = options.backoffMs ?? DEFAULTS.backoffMs;
  const maxBackoffMs = options.maxBackoffMs ?? DEFAULTS.maxBackoffMs;
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  assertSchemaName(schema);
  if (!apiKey) throw new TypeError('the outbox worker needs a service API key');
  const poster = createSubscriberPoster(apiKey, timeoutMs);
  const { scrub } = poster;
  const deadLetters = createDeadLetterStore(db, schema);
  const ensured = new Set<string>();

  async function ensureCursor(subscriber: string): Promise<void> {
    if (ensured.has(subscriber)) return;
    await tablesIn(db, schema)
      .insertInto('outbox_cursors')
      .values({ subscriber })
      .onConflict((oc) => oc.column('subscriber').doNothing())
      .execute();
    ensured.add(subscriber);
  }

  const lock = (trx: Kysely<any>, subscriber: string, wait: boolean) =>
    wait
      ? sql`select pg_advisory_xact_lock(${LOCK_CLASS}, ${lockKey(schema, subscriber)})`.execute(trx)
      : sql<{ locked: boolean }>`
          select pg_try_advisory_xact_lock(${LOCK_CLASS}, ${lockKey(schema, subscriber)}) as locked`.execute(trx);

  /**
   * One batch to one subscriber.
   *
   * Exclusion between replicas: `pg_try_advisory_xact_lock` in the transaction that reads the
   * cursor, posts, and moves the cursor. The lock lives exactly as long as that transaction, so it
   * can neither leak into the pool on a connection handed back nor outlive a crashed replica, and
   * the cursor moves under the same lock that chose the batch. The cursor row is deliberately not
   * locked `FOR UPDATE` as well: a row lock gives the transaction an xid for the whole HTTP call,
   * and every open xid holds back the delivery horizon (`pg_snapshot_xmin`, see the migration
   * 20261125130000_outbox) for all subscribers on all replicas. Read-only until its last
   * statements, this transaction gets an xid only as it commits.
   */
  async function deliverBatch(subscriber: EventSubscriber): Promise<DeliveryOutcome> {
    await ensureCursor(subscriber.name);
    return db.transaction().execute(async (trx): Promise<DeliveryOutcome> => {
      const locked = await lock(trx, subscriber.name, false);
      if (!(locked.rows[0] as { locked: boolean } | undefined)?.locked) return { status: 'busy' };
      const tables = tablesIn(trx, schema);

      const cursor = await tables
        .selectFrom('outbox_cursors')
        .select([
          sql<string>`delivered_xid::text`.as('delivered_xid'),
          'delivered_through',
          'attempts',
          'refusals',
          sql<number>`greatest(0, ceil(extract(epoch from next_attempt_at - clock_timestamp()) * 1000))::int`.as(
            'wait_ms',
          ),
        ])
        .where('subscriber', '=', subscriber.name)
        .executeTakeFirst();
      if (!cursor) {
        // Deleted by hand since it was made: the next round makes it again, from the start.
        ensured.delete(subscriber.name);
        return { status: 'idle' };
      }
      if (cursor.wait_ms > 0) return { status: 'waiting', retryInMs: cursor.wait_ms };

      // (xid, id) order up to the oldest transaction still running: past that horizon no row with
      // a smaller (xid, id) can still commit, so moving the cursor skips nothing.
      const { rows } = await sql<OutboxRow>`
        select id, xid::text as xid, topic, payload, created_at
        from ${tableRef(schema, 'outbox')}
        where (xid, id) > (${cursor.delivered_xid}::xid8, ${cursor.delivered_through}::bigint)
          and xid < pg_snapshot_xmin(pg_current_snapshot())
        order by xid, id
        limit ${batchSize}`.execute(trx);
      const last = rows.at(-1);
      if (!last) return { status: 'idle' };

      const events = rows.map(toDelivered);
      const result = await poster.post(subscriber.url, { source, events });
      const moveCursorPast = () =>
        tables
          .updateTable('outbox_cursors')
          .set({
            delivered_xid: last.xid,
            delivered_through: last.id,
            attempts: 0,
            refusals: 0,
            last_error: null,
            next_attempt_at: sql`clock_timestamp()`,
            updated_at: sql`clock_timestamp()`,
          })
          .where('subscriber', '=', subscriber.name)
          .execute();

      if (result.ok) {
        await moveCursorPast();
        if (cursor.attempts >= WARN_AFTER_ATTEMPTS) {
          log.info({ subscriber: subscriber.name, attempts: cursor.attempts }, 'event delivery resumed');
        }
        log.debug({ subscriber: subscriber.name, events: rows.length, throughId: last.id }, 'events delivered');
        return { status: 'delivered', events: rows.length, throughId: last.id };
      }

      const attempts = cursor.attempts + 1;
      const refusals = cursor.refusals + (result.refused ? 1 : 0);
      if (result.refused && maxAttempts > 0 && refusals >= maxAttempts) {
        // The subscriber is there and keeps refusing this batch: waiting longer changes nothing,
        // and every later event would wait behind it for ever.
        const deadLetterId = await insertDeadLetter(trx, schema, {
          subscriber: subscriber.name,
          events,
          attempts,
          lastError: result.error,
        });
        await moveCursorPast();
        log.warn(
          {
            subscriber: subscriber.name,
            deadLetterId,
            events: rows.length,
            fromId: rows[0]?.id,
            throughId: last.id,
            attempts,
            error: result.error,
          },
          `event batch set aside after ${refusals} refusals; later events go on (retry: POST /v1/outbox/dead-letters/${deadLetterId}/retry)`,
        );
        return {
          status: 'set-aside',
          deadLetterId,
          events: rows.length,
          throughId: last.id,
          attempts,
          error: result.error,
        };
      }

      const retryInMs = retryDelayMs(attempts, firstBackoff, maxBackoffMs);
      await tables
        .updateTable('outbox_cursors')
        .set({
          attempts,
          refusals,
          last_error: result.error,
          next_attempt_at: sql`clock_timestamp() + make_interval(secs => ${retryInMs / 1000})`,
          updated_at: sql`clock_timestamp()`,
        })
        .where('subscriber', '=', subscriber.name)
        .execute();
      const entry = { subscriber: subscriber.name, attempts, retryInMs, fromId: rows[0]?.id, error: result.error };
      if (attempts >= WARN_AFTER_ATTEMPTS) log.warn(entry, 'event delivery failed; later events wait');
      else log.info(entry, 'event delivery failed; retrying');
      return { status: 'failed', attempts, error: result.error, retryInMs };
    });
  }

  /**
   * A dead letter's events, sent again as recorded. Under the subscriber's lock, waiting for it:
   * the lane's POSTs and this one never overlap, and of two retries of one letter the second
   * finds it redelivered and sends nothing.
   */
  async function redeliver(id: number, actor?: Actor): Promise<RedeliveryOutcome> {
    const seen = await deadLetters.find(id);
    if (!seen) return { status: 'not-found' };
    const subscriber = options.subscribers.find((s) => s.name === seen.subscriber);
    if (!subscriber) return { status: 'unknown-subscriber', deadLetter: seen };
    return db.transaction().execute(async (trx): Promise<RedeliveryOutcome> => {
      await lock(trx, subscriber.name, true);
      const tables = tablesIn(trx, schema);
      const letter = await tables.selectFrom('outbox_dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
      if (!letter) return { status: 'not-found' };
      if (letter.redelivered_at) return { status: 'redelivered', deadLetter: toDeadLetter(letter), posted: false };
      const { rows } = await sql<OutboxRow>`
        select id, xid::text as xid, topic, payload, created_at
        from ${tableRef(schema, 'outbox')}
        where id = any(${letter.event_ids}::bigint[])
        order by xid, id`.execute(trx);
      if (rows.length < letter.event_ids.length) {
        return {
          status: 'events-gone',
          deadLetter: toDeadLetter(letter),
          missing: letter.event_ids.length - rows.length,
        };
      }
      const result = await poster.post(subscriber.url, { source, events: rows.map(toDelivered) });
      const updated = await tables
        .updateTable('outbox_dead_letters')
        .set({
          attempts: letter.attempts + 1,
          ...(result.ok ? { redelivered_at: sql<Date>`clock_timestamp()` } : { last_error: result.error }),
          updated_at: sql`clock_timestamp()`,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (actor) {
        await recordAudit(trx, source, actor, {
          action: 'outbox.dead-letter.retry',
          entity: 'outbox-dead-letter',
          entityId: String(id),
          details: { subscriber: subscriber.name, events: rows.length, delivered: result.ok },
        });
      }
      const deadLetter = toDeadLetter(updated);
      if (!result.ok) {
        log.warn({ subscriber: subscriber.name, deadLetterId: id, error: result.error }, 'dead letter refused again');
        return { status: 'refused', deadLetter, error: result.error };
      }
      log.info({ subscriber: subscriber.name, deadLetterId: id, events: rows.length }, 'dead letter redelivered');
      return { status: 'redelivered', deadLetter, posted: true };
    });
  }

  /**
   * One subscriber's schedule. Each subscriber has its own, so one that is down or slow delays
   * only its own events.
   */
  function createLane(subscriber: EventSubscriber) {
    return createDrainLoop({
      pollMs,
      /** Delivers batch after batch while there is a backlog, giving way as soon as stop() is called. */
      async drain(running) {
        for (;;) {
          const outcome = await deliverBatch(subscriber);
          if (outcome.status === 'delivered' && outcome.events === batchSize && running()) continue;
          if (outcome.status === 'set-aside' && running()) continue;
          if (outcome.status === 'failed' || outcome.status === 'waiting') return Math.min(pollMs, outcome.retryInMs);
          return pollMs;
        }
      },
      onError(err) {
        log.error({ subscriber: subscriber.name, error: scrub(describeError(err)) }, 'event delivery broke off');
      },
    });
  }

  const lanes = options.subscribers.map(createLane);

  return {
    start: () => {
      for (const lane of lanes) lane.start();
    },
    nudge: () => {
      for (const lane of lanes) lane.nudge();
    },
    async stop() {
      await Promise.all(lanes.map((lane) => lane.stop()));
      await poster.close();
    },
    async deliverOnce() {
      const outcomes = await Promise.all(options.subscribers.map((s) => deliverBatch(s)));
      return Object.fromEntries(options.subscribers.map((s, i) => [s.name, outcomes[i] as DeliveryOutcome]));
    },
    redeliver,
  };
}

/** The worker of a replica without a service key: events wait in the outbox for one that has it. */
export const disabledOutboxWorker: OutboxWorker = {
  start() {},
  nudge() {},
  stop: async () => {},
  deliverOnce: async () => ({}),
  redeliver: async () => ({ status: 'disabled' }),
};
