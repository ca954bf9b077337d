import type { Kysely } from 'kysely';
import type { Actor } from './actor.js';
import { type AuditDatabase, type AuditEntry, auditRow } from './audit.js';

/** An event a change publishes; it reaches the outbox in the change's transaction. */
export interface PendingEvent {
  topic: string;
  payload: Record<string, unknown>;
}

/** Writes a change's events into the service's outbox, inside the transaction it is given. */
export type EventWriter = (trx: Kysely<any>, events: readonly PendingEvent[]) => Promise<void>;

/** What a use case gets while it changes something: the transaction, who asks, and where to note what it did. */
export interface Change<DB> {
  trx: Kysely<DB>;
  actor: Actor;
  /** Queues an audit row; it is written, ID numbers masked, just before the commit. */
  audit(entry: AuditEntry): void;
  /** Queues an event; it is written to the outbox just before the commit. */
  emit(topic: string, payload: Record<string, unknown>): void;
}

export type ChangeRunner<DB> = <T>(actor: Actor, work: (change: Change<DB>) => Promise<T>) => Promise<T>;

/**
 * The one way a service writes: `work` runs in a transaction, then every audit row and event it
 * queued is written in that same transaction, which then commits. Nothing is kept of a `work`
 * that throws, neither its writes nor its audit rows nor its events; so an audit row or an event
 * never describes a change that did not happen, and a change never goes unaudited.
 *
 * `work` must not read through anything but `change.trx` while it runs (a cache refresh on the pool
 * would wait for a second connection while holding the first). `afterCommit` runs after every
 * commit (a service nudges its outbox worker there) and must not throw: the change is kept by then.
 */
export function createChangeRunner<DB>(
  db: Kysely<DB>,
  opts: { service: string; writeEvents: EventWriter; afterCommit?: () => void },
): ChangeRunner<DB> {
  return async function runChange<T>(actor: Actor, work: (change: Change<DB>) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(async (trx) => {
      const audits: AuditEntry[] = [];
      const events: PendingEvent[] = [];
      let open = true;
      // Noted after `work` has returned, an entry would be lost without a word: refuse it loudly.
      const noting =
        <E>(queue: E[], what: string) =>
        (item: E) => {
          if (!open) throw new Error(`${what} noted after its change ended`);
          queue.push(item);
        };
      const audit = noting(audits, 'an audit entry');
      const event = noting(events, 'an event');
      const value = await work({ trx, actor, audit, emit: (topic, payload) => event({ topic, payload }) });
      open = false;
      if (audits.length > 0) {
        await (trx as unknown as Kysely<AuditDatabase>)
          .insertInto('core.audit_log')
          .values(audits.map((entry) => auditRow(opts.service, actor, entry)))
          .execute();
      }
      if (events.length > 0) await opts.writeEvents(trx, events);
      return value;
    });
    opts.afterCommit?.();
    return result;
  };
}
