/**
 * An import's statements join a million staged rows with the payments recorded: with 256 MB they
 * hash and sort in memory instead of through temp files. Their many expressions gain from JIT
 * compilation, but not from LLVM's optimisation and inlining, which row estimates far off (a
 * file's aggregates are guessed) would buy for a second or more of compiling.
 */
export const SESSION_SETTINGS =
  "set work_mem = '256MB'; set jit_optimize_above_cost = -1; set jit_inline_above_cost = -1";

/** The temp tables of an import (import-staging, import-checks, import-apply). */
export const IMPORT_TABLES = ['pay_rows', 'pay_facts', 'pay_cls', 'rev_cls'] as const;

/** What an import leaves on its session: dropped before the session returns to the pool. */
export const SESSION_CLEANUP = `drop table if exists ${IMPORT_TABLES.join(', ')};
  reset work_mem; reset jit_optimize_above_cost; reset jit_inline_above_cost`;

/**
 * Imports are compared with the payments recorded and applied one at a time (a transaction-level
 * lock): two imports of one file, at once, make one set of payments, and a reversal in one finds
 * the payment the other recorded.
 */
export const APPLY_LOCK = "select pg_advisory_xact_lock(hashtextextended('payment-import', 0))";

/**
 * Each import's session holds a lock named after it while it runs: when a process dies midway the
 * lock goes with its connection, and a reader sees the import is orphaned (IMPORT_INTERRUPTED).
 */
export const runningLockKey = (id: string) => `payment-import:${id}`;
