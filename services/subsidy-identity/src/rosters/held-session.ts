import type pg from 'pg';

/**
 * A session held for as long as a download reads from it, released exactly once: when the rows
 * run out, when the download is cut short, or when it is never read at all, whichever comes first,
 * and never while one of its queries runs.
 */
export function holdSession(client: pg.PoolClient, cleanup: string) {
  let busy = 0;
  let closing = false;
  let released = false;

  async function release(): Promise<void> {
    if (released) return;
    released = true;
    await client.query(cleanup).catch(() => {});
    client.release();
  }

  return {
    async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
      if (closing) throw new Error('the download ended');
      busy++;
      try {
        return (await client.query<R>(text, values)).rows;
      } finally {
        busy--;
        if (closing && busy === 0) await release();
      }
    },
    /** Ends the hold; the session returns to its pool once no query of it runs. */
    async end(): Promise<void> {
      closing = true;
      if (busy === 0) await release();
    },
  };
}
