import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

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
}

export type Db = Kysely<Database>;

export function createPool(url: string, options: CreateDbOptions = {}): pg.Pool {
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 10,
    types: parsers,
    application_name: options.applicationName ?? 'rmi',
    // Every session speaks Shanghai civil time, so `current_date` is the county's today.
    options: '-c timezone=Asia/Shanghai',
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const pool = createPool(url, options);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/**
 * The pg pool behind a Db, for the few things kysely does not do (COPY streams). The client taken
 * from it shares the Db's pool size, so bulk work cannot starve the pool unnoticed.
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this Db was not made by createDb');
  return pool;
}
