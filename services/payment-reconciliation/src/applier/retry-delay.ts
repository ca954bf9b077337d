import { type RawBuilder, sql } from 'kysely';

/** The longest a payment or a reversal waits between two attempts, however often it failed. */
export const MAX_RETRY_MS = 10 * 60 * 1000;

/**
 * When a row that failed its `attempts`-th try is due again, as SQL over its own `attempts`
 * column: `retryMs` after the first failure, doubling per attempt up to MAX_RETRY_MS. The exponent
 * is bounded so a row failing for months cannot overflow the arithmetic.
 */
export function nextAttemptAfterFailure(attempts: RawBuilder<number>, retryMs: number): RawBuilder<Date> {
  return sql<Date>`now() + make_interval(secs => least(${MAX_RETRY_MS}::float8,
    ${retryMs}::float8 * power(2::float8, least(greatest(${attempts} - 1, 0), 30))) / 1000)`;
}

/** A lease: the claimed row is not due again before the call to enrollment has surely ended. */
export function leaseUntil(leaseMs: number): RawBuilder<Date> {
  return sql<Date>`now() + make_interval(secs => ${leaseMs}::float8 / 1000)`;
}
