import type { OutboxCursorsTable, OutboxDeadLettersTable, OutboxTable, ReceivedEventsTable } from '@rmi/db';
import { type Kysely, type QueryCreator, sql } from 'kysely';

/**
 * The tables of one service's outbox, named alike in every schema that has one: `outbox`,
 * `outbox_cursors` and `outbox_dead_letters` beside the service's other tables (see the migrations
 * 20261125090000_enrollment, 20261125130000_outbox and 20261126120000_outbox-dead-letters), and
 * `received_events` on the receiving side.
 */
export interface OutboxTables {
  outbox: OutboxTable;
  outbox_cursors: OutboxCursorsTable;
  outbox_dead_letters: OutboxDeadLettersTable;
  received_events: ReceivedEventsTable;
}

/** Where a service keeps its outbox, and the name its events carry as `source`. */
export interface OutboxPlace {
  /** The owning schema, e.g. `enrollment`. */
  schema: string;
  /** The publisher's name in every batch it sends, e.g. `enrollment`. */
  source: string;
}

const SCHEMA_NAME = /^[a-z][a-z0-9_]*$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`not a schema name: ${JSON.stringify(schema)}`);
}

/**
 * The service's database seen through its outbox tables. Callers hold a `Kysely` typed with their
 * own tables; the outbox reads only these, so it takes any.
 */
export function tablesIn(db: Kysely<any>, schema: string): QueryCreator<OutboxTables> {
  return db.withSchema(schema) as unknown as QueryCreator<OutboxTables>;
}

/** A table of the schema in raw SQL, quoted. */
export function tableRef(schema: string, table: keyof OutboxTables) {
  return sql.id(schema, table);
}
