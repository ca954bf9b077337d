import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { DatabaseBusyError } from './database-errors.js';

const { Pool, types } = pg;

/**
 * Type parsers for this project's conventions: money is integer fen in `bigint` columns and comes
 * back as a JS number (fen totals stay far below 2^53); civil dates stay `YYYY-MM-DD` strings so no
 * time zone ever shifts a birth or payment day.
 */
const parsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === types.builtins.INT8) return parseSafeInteger;
    if (oid === types.builtins.DATE) return (value: string) => value;
    return types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

function parseSafeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${value} exceeds the safe range`);
  return n;
}

export interface CreateDbOptions {
  /** Pool size; services keep it small because several share one server. */
  max?: number;
  applicationName?: string;
  /**
   * How long a caller waits for a pool connection before `DatabaseBusyError` (0 waits for ever).
   * A service answers that as 503 instead of queueing requests behind a stuck pool.
   */
  acquireTimeoutMs?: number;
  /** `statement_timeout` of every session: no single statement holds a connection longer (0: none). */
  statementTimeoutMs?: number;
  /**
   * `idle_in_transaction_session_timeout` of every session: a transaction left open while its
   * holder waits on something else is ended by the server, so its locks and its connection return.
   */
  idleInTransactionTimeoutMs?: number;
}

/** What a service's sessions get unless told otherwise (see the services' configuration). */
export const SESSION_DEFAULTS = {
  acquireTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 15_000,
} as const satisfies CreateDbOptions;

export type Db = Kysely<Database>;

export function createPool(url: string, options: CreateDbOptions = {}): pg.Pool {
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 0;
  const settings = [
    // Every session speaks Shanghai civil time, so `current_date` is the county's today.
    '-c timezone=Asia/Shanghai',
    `-c statement_timeout=${options.statementTimeoutMs ?? 0}`,
    `-c idle_in_transaction_session_timeout=${options.idleInTransactionTimeoutMs ?? 0}`,
  ];
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 10,
    types: parsers,
    application_name: options.applicationName ?? 'rmi',
    options: settings.join(' '),
    connectionTimeoutMillis: acquireTimeoutMs,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor a checked-out one: pg-pool listens for errors only while a client is idle, so a client held
  // between two statements (a transaction, an import's session) whose connection the server ends
  // would raise an uncaught 'error' and stop the service. Its next query fails instead (a 503), and
  // the pool drops it when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  // pg reports a full pool with a bare Error; callers need to tell it from a broken query.
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  pool.connect = ((callback?: unknown) => {
    if (callback) return (connect as unknown as (cb: unknown) => void)(callback);
    return connect().catch((err: unknown) => {
      throw isAcquireTimeout(err) ? new DatabaseBusyError(acquireTimeoutMs, { cause: err }) : err;
    });
  }) as typeof pool.connect;
  return pool;
}

function isAcquireTimeout(err: unknown): boolean {
  const message = (err as Error | undefined)?.message ?? '';
  return message === 'timeout exceeded when trying to connect' || message.includes('due to connection timeout');
}

const pools = new WeakMap<Db, { pool: pg.Pool; url: string; options: CreateDbOptions }>();

export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const pool = createPool(url, options);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, { pool, url, options });
  return db;
}

/**
 * The pg pool behind a Db, for the few things kysely does not do (COPY streams). The client taken
 * from it shares the Db's pool size, so bulk work cannot starve the pool unnoticed.
 */
export function poolOf(db: Db): pg.Pool {
  const entry = pools.get(db);
  if (!entry) throw new Error('this Db was not made by createDb');
  return entry.pool;
}

/**
 * A second pool to the same database, for long work that holds a session while it also writes
 * through the Db (a bulk import reporting its progress). Holding a connection of one pool while
 * waiting for the other is safe only in that direction, so work on the Db must never wait for
 * this pool. Its sessions may carry their own settings (a longer statement timeout).
 */
export function createSiblingPool(db: Db, options: CreateDbOptions): pg.Pool {
  const entry = pools.get(db);
  if (!entry) throw new Error('this Db was not made by createDb');
  return createPool(entry.url, { ...entry.options, ...options });
}
