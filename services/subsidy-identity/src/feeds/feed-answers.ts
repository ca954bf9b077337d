import type { FeedBatchAnswer, FeedBatchSummary, FeedCounts, FeedRowError } from '@rmi/contracts';
import type { BatchRow } from './feeds.repository.js';

export const BATCHES_PATH = '/v1/feeds/batches';

/** A post's answer with its HTTP status (201 applied, 200 dry run or unchanged, 202 held, 422 rejected). */
export interface FeedOutcome {
  httpStatus: 200 | 201 | 202 | 422;
  answer: FeedBatchAnswer;
}

const ZERO: FeedCounts = { added: 0, changed: 0, moved: 0, removed: 0, unchanged: 0, errors: 0, valid: 0 };

export const countsOf = (row: Pick<BatchRow, 'counts'>): FeedCounts => ({
  ...ZERO,
  ...(row.counts as Partial<FeedCounts>),
});

const links = (row: BatchRow) => ({
  errorsUrl: `${BATCHES_PATH}/${row.id}/errors.csv`,
  diffUrl: `${BATCHES_PATH}/${row.id}/diff`,
  ...(row.status === 'held' ? { confirmUrl: `${BATCHES_PATH}/${row.id}/confirm` } : {}),
});

export function httpStatusOf(status: FeedBatchAnswer['status']): FeedOutcome['httpStatus'] {
  if (status === 'applied') return 201;
  if (status === 'held') return 202;
  if (status === 'rejected') return 422;
  return 200;
}

/** The answer about `row`, told as `status` (an unchanged re-post tells the applied batch as unchanged). */
export function toOutcome(
  row: BatchRow,
  errors: FeedRowError[],
  status: FeedBatchAnswer['status'] = row.status as FeedBatchAnswer['status'],
): FeedOutcome {
  const answer: FeedBatchAnswer = {
    batchId: row.id,
    department: row.department as FeedBatchAnswer['department'],
    mode: row.mode,
    period: row.period,
    status,
    scopeRegionCode: row.scope_region_code,
    rows: row.rows,
    counts: countsOf(row),
    errors,
    ...(row.held_reason ? { heldReason: row.held_reason } : {}),
    ...links(row),
  };
  return { httpStatus: httpStatusOf(status), answer };
}

export function toSummary(row: BatchRow): FeedBatchSummary {
  return {
    batchId: row.id,
    department: row.department as FeedBatchSummary['department'],
    mode: row.mode,
    period: row.period,
    status: row.status === 'computing' ? 'failed' : row.status,
    scopeRegionCode: row.scope_region_code,
    format: row.format,
    encoding: row.encoding,
    fileName: row.file_name,
    rows: row.rows,
    counts: countsOf(row),
    heldReason: row.held_reason,
    answerOf: row.answer_of,
    createdAt: new Date(row.created_at).toISOString(),
    decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
    appliedAt: row.applied_at ? new Date(row.applied_at).toISOString() : null,
    ...links(row),
  };
}
