import type pg from 'pg';

// With BENCH_TRACE set, every statement the process sends (the service's included: it runs in
// this process) is timed, so a slow run shows which statements its time went to. With
// BENCH_EXPLAIN (a regular expression) a statement whose text matches it is first run under
// EXPLAIN (ANALYZE, BUFFERS) and rolled back (to a savepoint inside a transaction), its plan
// written to stderr, then run for real: a diagnosis that doubles those statements' time. The pg
// client's query method is wrapped through the pool's Client class, the one every pool here is
// made from.

interface Timing {
  count: number;
  ms: number;
}

type Query = (this: PgClient, ...args: unknown[]) => unknown;
interface PgClient {
  /** 'T' inside a transaction block (pg keeps the server's ReadyForQuery status). */
  _txStatus?: string | null;
}

export interface StatementTrace {
  /** The statements seen since the last call, slowest total first, and forgets them. */
  take(): Array<{ statement: string } & Timing>;
}

const shape = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 160);

export function traceStatements(pool: pg.Pool, explain?: RegExp): StatementTrace {
  const client = (pool as unknown as { Client: { prototype: { query: Query } } }).Client.prototype;
  const original = client.query;
  let seen = new Map<string, Timing>();

  const timed = (text: string, result: Promise<unknown>) => {
    const t0 = performance.now();
    const record = () => {
      const key = shape(text);
      const timing = seen.get(key) ?? { count: 0, ms: 0 };
      timing.count++;
      timing.ms += performance.now() - t0;
      seen.set(key, timing);
    };
    result.then(record, record);
    return result;
  };

  async function explained(this: PgClient, text: string, args: unknown[]): Promise<unknown> {
    const inTransaction = this._txStatus === 'T';
    await original.call(this, inTransaction ? 'savepoint bench_explain' : 'begin');
    try {
      const plan = (await original.call(this, `explain (analyze, buffers) ${text}`, ...args.slice(1))) as {
        rows: Array<Record<string, string>>;
      };
      console.error(`\n# EXPLAIN ANALYZE ${shape(text)}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    } finally {
      await original.call(this, inTransaction ? 'rollback to savepoint bench_explain' : 'rollback');
    }
    return timed(text, original.apply(this, args) as Promise<unknown>);
  }

  client.query = function traced(this: PgClient, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
    // Streams (COPY) and callback calls pass untouched.
    if (typeof text !== 'string' || typeof args[args.length - 1] === 'function') return original.apply(this, args);
    if (explain?.test(text) && typeof first === 'string') return explained.call(this, text, args);
    const result = original.apply(this, args);
    return result instanceof Promise ? timed(text, result) : result;
  };
  return {
    take() {
      const list = [...seen].map(([statement, t]) => ({ statement, ...t })).sort((a, b) => b.ms - a.ms);
      seen = new Map();
      return list;
    },
  };
}
