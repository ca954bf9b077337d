import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { OutboxLog } from './outbox-worker.js';

/** Polls `probe` until it answers something truthy, or fails naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Waits until every event recorded in `<schema>.outbox` is past the delivery horizon. Test
 * databases share one server, and the horizon is the server's: a transaction open in another
 * test's database (a large import, a killed service's session not yet ended) holds it back for as
 * long as it runs, hence the long wait.
 */
export async function settleOutbox(db: Kysely<any>, schema: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    'events past the delivery horizon',
    async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(schema, 'outbox')}
        where xid >= pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
      return rows[0]?.n === 0;
    },
    timeoutMs,
  );
}

/** A log that keeps every entry as a JSON line, to check what a failure writes (and that no secret is in it). */
export function captureOutboxLog(): OutboxLog & { entries: string[] } {
  const entries: string[] = [];
  const keep = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    entries.push(JSON.stringify({ level, msg, ...obj }));
  };
  return { entries, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** The highest id in `<schema>.outbox` (0 when empty). */
export async function maxOutboxId(db: Kysely<any>, schema: string): Promise<number> {
  const { rows } = await sql<{ id: string | null }>`select max(id) as id from ${sql.id(schema, 'outbox')}`.execute(db);
  return Number(rows[0]?.id ?? 0);
}

/**
 * Runs `write` `count` times, each in its own committed transaction, and returns the ids of the
 * outbox rows those transactions added to `<schema>.outbox`, in order.
 */
export async function recordEach(
  db: Kysely<any>,
  schema: string,
  count: number,
  write: (trx: Kysely<any>, seq: number) => Promise<void>,
): Promise<number[]> {
  const before = await maxOutboxId(db, schema);
  for (let i = 0; i < count; i++) await db.transaction().execute((trx) => write(trx, i));
  const { rows } = await sql<{ id: string }>`select id from ${sql.id(schema, 'outbox')}
    where id > ${before} order by id`.execute(db);
  return rows.map((r) => Number(r.id));
}

/** The events in `<schema>.outbox` after id `afterId`, in id order. */
export async function outboxSince(
  db: Kysely<any>,
  schema: string,
  afterId: number,
): Promise<Array<{ id: number; topic: string; payload: Record<string, unknown> }>> {
  const { rows } = await sql<{ id: string; topic: string; payload: Record<string, unknown> }>`
    select id, topic, payload from ${sql.id(schema, 'outbox')} where id > ${afterId} order by id`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}
