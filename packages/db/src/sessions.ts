import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';

// Long jobs (imports, department lists) hold one session of a sibling pool from upload to commit:
// their temp tables and their transaction live on it, and a shutdown waits for them.

/** A Kysely bound to one checked-out client, so temp tables and transactions share its session. */
export function onClient<DB>(client: pg.PoolClient): Kysely<DB> {
  return new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => ({ query: client.query.bind(client), release: () => {} }),
        end: async () => {},
      } as never,
    }),
  });
}

/** The jobs a service has in flight, so a graceful shutdown can wait for them before closing their sessions. */
export function createInFlight() {
  const running = new Set<Promise<unknown>>();
  return {
    /** Tracks `work` until it settles, and hands it back. */
    track<T>(work: Promise<T>): Promise<T> {
      running.add(work);
      void work.then(
        () => running.delete(work),
        () => running.delete(work),
      );
      return work;
    },
    /** Resolves once every job in flight now has settled, however it ended. */
    async settled(): Promise<void> {
      await Promise.allSettled([...running]);
    },
  };
}
