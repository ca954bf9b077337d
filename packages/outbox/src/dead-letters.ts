import type { DeadLetter, DeadLetterListQuery, DeliveredEvent } from '@rmi/contracts';
import type { OutboxDeadLettersTable } from '@rmi/db';
import { maskIdNumbersInJson } from '@rmi/rules';
import type { Kysely, Selectable } from 'kysely';
import { tablesIn } from './outbox-tables.js';

type DeadLetterRow = Selectable<OutboxDeadLettersTable>;

export function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    subscriber: row.subscriber,
    status: row.redelivered_at ? 'redelivered' : 'set-aside',
    attempts: row.attempts,
    lastError: row.last_error,
    setAsideAt: row.set_aside_at.toISOString(),
    redeliveredAt: row.redelivered_at?.toISOString() ?? null,
    events: row.events as DeadLetter['events'],
  };
}

/** Sets a refused batch aside, in the transaction that moves the subscriber's cursor past it. */
export async function insertDeadLetter(
  trx: Kysely<any>,
  schema: string,
  letter: { subscriber: string; events: readonly DeliveredEvent[]; attempts: number; lastError: string },
): Promise<number> {
  const row = await tablesIn(trx, schema)
    .insertInto('outbox_dead_letters')
    .values({
      subscriber: letter.subscriber,
      event_ids: letter.events.map((e) => e.id),
      // For people to read: the events as sent, but no ID number in clear. A retry sends the rows.
      events: maskIdNumbersInJson(JSON.stringify(letter.events)),
      attempts: letter.attempts,
      last_error: letter.lastError,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** What an operator reads: the dead letters of one service's outbox, newest first. */
export function createDeadLetterStore(db: Kysely<any>, schema: string) {
  const tables = () => tablesIn(db, schema);
  return {
    async list(query: DeadLetterListQuery): Promise<DeadLetter[]> {
      let q = tables().selectFrom('outbox_dead_letters').selectAll().orderBy('id', 'desc').limit(query.limit);
      if (query.status === 'set-aside') q = q.where('redelivered_at', 'is', null);
      if (query.status === 'redelivered') q = q.where('redelivered_at', 'is not', null);
      if (query.subscriber) q = q.where('subscriber', '=', query.subscriber);
      if (query.before) q = q.where('id', '<', query.before);
      return (await q.execute()).map(toDeadLetter);
    },
    async find(id: number): Promise<DeadLetter | undefined> {
      const row = await tables().selectFrom('outbox_dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toDeadLetter(row);
    },
  };
}

export type DeadLetterStore = ReturnType<typeof createDeadLetterStore>;
