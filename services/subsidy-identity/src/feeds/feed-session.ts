import { DECISION_TABLES } from './feed-decisions.js';
import { STAGING_TABLE } from './feed-staging.js';

/**
 * A batch's statements join a million staged rows with a million spells: with 256 MB they hash
 * and sort in memory instead of through temp files. Their many expressions gain from JIT
 * compilation, but not from LLVM's optimisation and inlining, which row estimates far off (a
 * file's aggregates are guessed) would buy for a second or more of compiling.
 */
export const SESSION_SETTINGS =
  "set work_mem = '256MB'; set jit_optimize_above_cost = -1; set jit_inline_above_cost = -1";

/** What a batch leaves on its session: dropped before the session returns to the pool. */
export const SESSION_CLEANUP = `drop table if exists ${STAGING_TABLE}, ${DECISION_TABLES.join(', ')}, feed_bad, feed_dups;
  reset work_mem; reset jit_optimize_above_cost; reset jit_inline_above_cost`;

/** Batches of one department are computed and applied one at a time (a transaction-level lock). */
export const DEPARTMENT_LOCK = 'select pg_advisory_xact_lock(hashtextextended($1, 0))';
export const departmentLockKey = (department: string) => `identity-feed:${department}`;
