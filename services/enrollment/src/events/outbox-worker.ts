import { createHash } from 'node:crypto';
import type { EventBatch } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import { maskIdNumbersIn } from '@rmi/rules';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Agent, request } from 'undici';
import { type EnrollmentConfig, type EventSubscriber, eventSubscribers } from '../config.js';
import { pruneOutbox } from './outbox-retention.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Enrollment's event delivery: `outbox.nudge()` after committing a change that recorded events. */
    outbox: OutboxWorker;
  }
}

export const EVENT_SOURCE = 'enrollment';

/** What the worker logs through; a fastify or pino logger fits. */
export interface OutboxLog {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface OutboxWorkerOptions {
  db: Db;
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
}

export type DeliveryOutcome =
  | { status: 'delivered'; events: number; throughId: number }
  /** Nothing new, or nothing yet past the delivery horizon. */
  | { status: 'idle' }
  /** Backing off after a failure; the next attempt is due in `retryInMs`. */
  | { status: 'waiting'; retryInMs: number }
  /** Another replica (or another call here) is delivering to this subscriber. */
  | { status: 'busy' }
  | { status: 'failed'; attempts: number; error: string; retryInMs: number };

export interface OutboxWorker {
  start(): void;
  /** Stops waking up; resolves once the delivery in flight, if any, has finished. */
  stop(): Promise<void>;
  /** Looks at the outbox now instead of at the next interval. */
  nudge(): void;
  /** One batch per subscriber, now, whether or not the worker is started. */
  deliverOnce(): Promise<Record<string, DeliveryOutcome>>;
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;

const DEFAULTS = { pollMs: 1000, batchSize: 200, timeoutMs: 10_000, backoffMs: 1000, maxBackoffMs: 60_000 };
// A subscriber failing this many times in a row is logged as a warning; fewer are expected while
// a receiver restarts (and at `pnpm start`, while reporting comes up).
const WARN_AFTER_ATTEMPTS = 3;
// First key of the two-key advisory lock, so these locks cannot collide with another feature's.
const LOCK_CLASS = 0x6f757462; // 'outb'

/** Second key of the advisory lock: a stable 32-bit hash of the subscriber's name. */
function lockKey(subscriber: string): number {
  return createHash('sha256').update(subscriber).digest().readInt32BE(0);
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

type PostResult = { ok: true } | { ok: false; error: string };

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { db, apiKey, log } = options;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const firstBackoff = options.backoffMs ?? DEFAULTS.backoffMs;
  const maxBackoffMs = options.maxBackoffMs ?? DEFAULTS.maxBackoffMs;
  if (!apiKey) throw new TypeError('the outbox worker needs a service API key');
  let agent: Agent | null = null;
  const ensured = new Set<string>();

  /**
   * Text safe to store and log: no ID number in clear, never the key. Applied before anything is
   * cut short, so no ID number is left half-visible at the cut.
   */
  const scrub = (text: string) => maskIdNumbersIn(text.replaceAll(apiKey, '[key]'));

  function dispatcher(): Agent {
    agent ??= new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    return agent;
  }

  async function post(url: string, batch: EventBatch): Promise<PostResult> {
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: dispatcher(),
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, application/problem+json;q=0.9',
          authorization: `Bearer ${apiKey}`,
        },
        body: JSON.stringify(batch),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        // The per-phase timeouts above reset on every byte; this bounds the whole exchange.
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        await res.body.dump();
        return { ok: true };
      }
      const text = await res.body.text();
      return { ok: false, error: describeAnswer(res.statusCode, scrub(text)).slice(0, 500) };
    } catch (err) {
      return { ok: false, error: scrub(describeError(err)).slice(0, 500) };
    }
  }

  async function ensureCursor(subscriber: string): Promise<void> {
    if (ensured.has(subscriber)) return;
    await db
      .insertInto('enrollment.outbox_cursors')
      .values({ subscriber })
      .onConflict((oc) => oc.column('subscriber').doNothing())
      .execute();
    ensured.add(subscriber);
  }

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
   * statement, this transaction gets an xid only as it commits.
   */
  async function deliverBatch(subscriber: EventSubscriber): Promise<DeliveryOutcome> {
    await ensureCursor(subscriber.name);
    return db.transaction().execute(async (trx): Promise<DeliveryOutcome> => {
      const lock = await sql<{ locked: boolean }>`
        select pg_try_advisory_xact_lock(${LOCK_CLASS}, ${lockKey(subscriber.name)}) as locked`.execute(trx);
      if (!lock.rows[0]?.locked) return { status: 'busy' };

      const cursor = await trx
        .selectFrom('enrollment.outbox_cursors')
        .select([
          sql<string>`delivered_xid::text`.as('delivered_xid'),
          'delivered_through',
          'attempts',
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
        from enrollment.outbox
        where (xid, id) > (${cursor.delivered_xid}::xid8, ${cursor.delivered_through}::bigint)
          and xid < pg_snapshot_xmin(pg_current_snapshot())
        order by xid, id
        limit ${batchSize}`.execute(trx);
      const last = rows.at(-1);
      if (!last) return { status: 'idle' };

      const result = await post(subscriber.url, {
        source: EVENT_SOURCE,
        events: rows.map((r) => ({
          id: r.id,
          topic: r.topic,
          payload: r.payload,
          createdAt: r.created_at.toISOString(),
        })),
      });

      if (result.ok) {
        await trx
          .updateTable('enrollment.outbox_cursors')
          .set({
            delivered_xid: last.xid,
            delivered_through: last.id,
            attempts: 0,
            last_error: null,
            next_attempt_at: sql`clock_timestamp()`,
            updated_at: sql`clock_timestamp()`,
          })
          .where('subscriber', '=', subscriber.name)
          .execute();
        if (cursor.attempts >= WARN_AFTER_ATTEMPTS) {
          log.info({ subscriber: subscriber.name, attempts: cursor.attempts }, 'event delivery resumed');
        }
        log.debug({ subscriber: subscriber.name, events: rows.length, throughId: last.id }, 'events delivered');
        return { status: 'delivered', events: rows.length, throughId: last.id };
      }

      const attempts = cursor.attempts + 1;
      const retryInMs = retryDelayMs(attempts, firstBackoff, maxBackoffMs);
      await trx
        .updateTable('enrollment.outbox_cursors')
        .set({
          attempts,
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
   * One subscriber's schedule. Each subscriber has its own, so one that is down or slow delays
   * only its own events.
   */
  function createLane(subscriber: EventSubscriber) {
    let running = false;
    let timer: NodeJS.Timeout | null = null;
    let inflight: Promise<void> | null = null;
    let again = false;

    function schedule(ms: number): void {
      if (timer) clearTimeout(timer);
      timer = setTimeout(wake, ms);
      // The worker never keeps a process alive on its own: the server (or test) decides that.
      timer.unref();
    }

    /** Delivers batch after batch while there is a backlog, giving way as soon as stop() is called. */
    async function drain(): Promise<number> {
      for (;;) {
        const outcome = await deliverBatch(subscriber);
        if (outcome.status === 'delivered' && outcome.events === batchSize && running) continue;
        if (outcome.status === 'failed' || outcome.status === 'waiting') return Math.min(pollMs, outcome.retryInMs);
        return pollMs;
      }
    }

    function wake(): void {
      timer = null;
      if (!running) return;
      if (inflight) {
        again = true;
        return;
      }
      again = false;
      let next = pollMs;
      inflight = drain()
        .then((ms) => {
          next = ms;
        })
        .catch((err: unknown) => {
          log.error({ subscriber: subscriber.name, error: scrub(describeError(err)) }, 'event delivery broke off');
        })
        .finally(() => {
          inflight = null;
          if (running) schedule(again ? 0 : next);
        });
    }

    return {
      start(): void {
        if (running) return;
        running = true;
        schedule(0);
      },
      nudge(): void {
        if (!running) return;
        if (inflight) again = true;
        else schedule(0);
      },
      async stop(): Promise<void> {
        running = false;
        if (timer) clearTimeout(timer);
        timer = null;
        await inflight;
      },
    };
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
      const closing = agent;
      agent = null;
      await closing?.close();
    },
    async deliverOnce() {
      const outcomes = await Promise.all(options.subscribers.map((s) => deliverBatch(s)));
      return Object.fromEntries(options.subscribers.map((s, i) => [s.name, outcomes[i] as DeliveryOutcome]));
    },
  };
}

/** A refusal in a line: the problem's code and detail when the receiver sent problem+json. */
function describeAnswer(status: number, text: string): string {
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown };
    if (typeof problem.code === 'string') {
      return `HTTP ${status} ${problem.code}${typeof problem.detail === 'string' ? `: ${problem.detail}` : ''}`;
    }
  } catch {
    // not JSON: proxies answer with HTML or plain text
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${typeof code === 'string' ? code : err.name}: ${err.message}${cause}`;
}

const disabled: OutboxWorker = {
  start() {},
  nudge() {},
  stop: async () => {},
  deliverOnce: async () => ({}),
};

/**
 * Delivery for the enrollment app: decorates it with `outbox`, starts delivering once the app is
 * ready and stops, after the batch in flight, when it closes. Without SERVICE_API_KEY nothing is
 * delivered and the events wait in the outbox.
 */
export function attachOutboxWorker(app: FastifyInstance, db: Db, config: EnrollmentConfig): OutboxWorker {
  if (!config.SERVICE_API_KEY) {
    app.log.warn('SERVICE_API_KEY is not set: events are recorded but not delivered');
    app.decorate('outbox', disabled);
    return disabled;
  }
  const worker = createOutboxWorker({
    db,
    subscribers: eventSubscribers(config),
    apiKey: config.SERVICE_API_KEY,
    pollMs: config.OUTBOX_POLL_MS,
    log: app.log.child({ component: 'outbox' }),
  });
  app.decorate('outbox', worker);
  const subscribers = eventSubscribers(config).map((s) => s.name);
  const prune = () =>
    pruneOutbox(db, subscribers, config.OUTBOX_RETENTION_DAYS).then(
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
