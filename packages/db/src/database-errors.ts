/**
 * Database trouble a caller can do nothing about but wait: told apart from a failing query so a
 * service answers 503 with Retry-After instead of 500, and says which in its log.
 */
export class DatabaseBusyError extends Error {
  readonly reason = 'busy' as const;
  constructor(
    readonly waitedMs: number,
    options?: ErrorOptions,
  ) {
    super(`no database connection became free within ${waitedMs} ms`, options);
    this.name = 'DatabaseBusyError';
  }
}

// SQLSTATEs of a server that is going away or cannot be reached, and of sessions the server ended
// for running or idling too long (statement_timeout, idle_in_transaction_session_timeout).
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const BUSY = new Set(['57014', '25P03', '55P03', '40P01']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * `busy` (no connection free in time, a statement cancelled by its timeout, a lock wait or
 * deadlock given up), `unavailable` (the server is down or going away) or undefined for any other
 * error, which stays a 500.
 */
export function databaseTrouble(err: unknown): 'busy' | 'unavailable' | undefined {
  if (err instanceof DatabaseBusyError) return 'busy';
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (BUSY.has(code)) return 'busy';
  if (UNAVAILABLE.has(code) || NETWORK.has(code)) return 'unavailable';
  const message = typeof e?.message === 'string' ? e.message : '';
  // The first two when the connection ends under a query, the last two for a query on a client whose
  // connection had already ended (between two statements of a transaction).
  if (
    message === 'Connection terminated unexpectedly' ||
    message.startsWith('Connection terminated') ||
    message === 'Client has encountered a connection error and is not queryable' ||
    message === 'Client was closed and is not queryable'
  )
    return 'unavailable';
  return undefined;
}
