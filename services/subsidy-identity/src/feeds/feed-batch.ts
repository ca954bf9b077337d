import type { Readable } from 'node:stream';
import type { FeedCounts } from '@rmi/contracts';
import type { FeedMode, IdentityDatabase } from '@rmi/db';
import type { UploadFormat, XlsxLimits } from '@rmi/ingest';
import type { Actor, Change } from '@rmi/service-kit';
import type pg from 'pg';
import { applyChanges } from './feed-apply.js';
import { checkRows, storeErrors } from './feed-checks.js';
import { cellsOf, decideValues, type FeedCells } from './feed-decisions.js';
import { computeChanges, keptOnBadLines } from './feed-diff.js';
import { guardReason } from './feed-guard.js';
import { SESSION_SETTINGS } from './feed-session.js';
import { type StagedFeed, stageFeed } from './feed-staging.js';
import type { BatchRow, FeedsRepository } from './feeds.repository.js';

// One batch on its session: the file read and checked (before the department's lock: that takes
// the time of the upload), then compared, judged by the guard and perhaps applied (under it).

/** What a post asks for, beside the file. */
export interface BatchRequest {
  id: string;
  department: string;
  mode: FeedMode;
  /** `YYYY-MM`. */
  period: string;
  format: UploadFormat;
  /** The key's region; null: the department's whole list. */
  scope: string | null;
  dryRun: boolean;
  onRowErrors: 'skip' | 'reject';
  fileName: string | null;
  idempotencyKey: string | null;
}

/** A file staged and checked: its cells, the bad lines found, the pairs it names. */
export interface CheckedFeed {
  staged: StagedFeed;
  cells: FeedCells;
  /** (person, identity) pairs the file names, and those on bad lines. */
  pairs: number;
  badPairs: number;
  badLines: number;
}

export const periodStartOf = (period: string) => `${period}-01`;

/** Stages the upload and finds its bad lines (feed-staging, feed-decisions, feed-checks). */
export async function readFeed(
  client: pg.PoolClient,
  body: Readable,
  request: BatchRequest,
  limits: { today: string; maxBytes: number; xlsx: XlsxLimits },
  onStaged?: () => void | Promise<void>,
): Promise<CheckedFeed> {
  const staged = await stageFeed(client, body, {
    format: request.format,
    mode: request.mode,
    today: limits.today,
    scope: request.scope,
    maxBytes: limits.maxBytes,
    xlsx: limits.xlsx,
  });
  await client.query(SESSION_SETTINGS);
  await onStaged?.();
  const cells = cellsOf(staged);
  const { pairs, problems } = await decideValues(client, cells, {
    department: request.department,
    mode: request.mode,
    scope: request.scope,
  });
  const { badLines, badPairs } = await checkRows(client, cells, {
    periodStart: periodStartOf(request.period),
    repeatedIds: staged.repeatedIds,
    delta: request.mode === 'delta',
    problems,
  });
  return { staged, cells, pairs, badPairs, badLines };
}

/** The batch row every outcome stores, with its status. */
function batchValues(request: BatchRequest, checked: CheckedFeed, actor: Actor) {
  return {
    id: request.id,
    department: request.department,
    mode: request.mode,
    period: request.period,
    period_start: periodStartOf(request.period),
    scope_region_code: request.scope,
    on_row_errors: request.onRowErrors,
    content_sha256: checked.staged.sha256,
    format: request.format,
    encoding: checked.staged.encoding,
    file_name: request.fileName,
    idempotency_key: request.idempotencyKey,
    rows: checked.staged.rows,
    created_by: actor.keyId,
  };
}

/** Stores an identical re-post of an applied batch as `unchanged`, pointing at the batch it repeats. */
export async function recordUnchanged(
  { audit }: Pick<Change<IdentityDatabase>, 'audit'>,
  repo: FeedsRepository,
  request: BatchRequest,
  checked: CheckedFeed,
  actor: Actor,
  applied: BatchRow,
): Promise<void> {
  await repo.insert({
    ...batchValues(request, checked, actor),
    status: 'unchanged',
    counts: JSON.stringify(applied.counts),
    answer_of: applied.id,
  });
  audit({
    action: 'feed.unchanged',
    entity: 'feed-batch',
    entityId: request.id,
    regionCode: request.scope,
    details: { department: request.department, period: request.period, mode: request.mode, answerOf: applied.id },
  });
}

/**
 * Compares a checked file with the department's spells, stores its changes and errors, judges it
 * (rejected, dry run, held by the guard, or applied) and applies it; inside the caller's
 * transaction, under the department's lock. `onComputed` runs once the changes are stored.
 */
export async function decideBatch(
  { trx, audit }: Pick<Change<IdentityDatabase>, 'trx' | 'audit'>,
  repo: FeedsRepository,
  client: pg.PoolClient,
  request: BatchRequest,
  checked: CheckedFeed,
  actor: Actor,
  onComputed?: () => void | Promise<void>,
): Promise<{ status: BatchRow['status']; counts: FeedCounts }> {
  const { department, scope, mode } = request;
  const periodStart = periodStartOf(request.period);
  const { staged, cells, badLines } = checked;
  await repo.insert({
    ...batchValues(request, checked, actor),
    status: 'computing',
    based_on: await repo.lastAppliedOver(department, scope),
  });
  if (badLines > 0) await storeErrors(client, request.id, staged.header.cells);
  // A rejected batch is not compared at all: nothing of it could apply.
  const rejected = request.onRowErrors === 'reject' && badLines > 0;
  const { movedFromOutside, ...changes } = rejected
    ? { added: 0, changed: 0, moved: 0, removed: 0, movedFromOutside: 0 }
    : await computeChanges(client, cells, {
        batchId: request.id,
        department,
        scope,
        periodStart,
        mode,
        anyBad: badLines > 0,
      });
  await onComputed?.();
  const validPairs = checked.pairs - checked.badPairs;
  const fromRows = changes.added + changes.changed + changes.moved + (mode === 'delta' ? changes.removed : 0);
  const counts: FeedCounts = {
    ...changes,
    unchanged: rejected ? 0 : validPairs - fromRows,
    errors: badLines,
    valid: staged.rows - badLines,
  };

  let guard: string | null = null;
  if (mode === 'snapshot' && !rejected) {
    // The list in the scope as it was: the file's pairs found on it, those the batch removes, and
    // those of people on bad lines it keeps.
    const kept = badLines > 0 ? await keptOnBadLines(client, cells, { department, scope }) : 0;
    guard = guardReason({
      removed: changes.removed,
      currentList: validPairs - changes.added - movedFromOutside + changes.removed + kept,
      valid: counts.valid,
      previousValid: await repo.previousSnapshotValid(department, scope),
      ...(await repo.shares(department)),
    });
  }
  const status = rejected ? 'rejected' : request.dryRun ? 'dry-run' : guard ? 'held' : 'applied';
  if (status === 'applied') {
    await applyChanges(trx, {
      id: request.id,
      department,
      periodStart,
      mode,
      changes: changes.added + changes.changed + changes.moved + changes.removed,
    });
  }
  await repo.update(request.id, {
    status,
    counts: JSON.stringify(counts),
    held_reason:
      guard === null
        ? null
        : status === 'held'
          ? `Held: ${guard}. Confirm it if the list is complete, or discard it.`
          : `Posted, it would be held: ${guard}.`,
    ...(status === 'applied' ? { applied_at: new Date() } : {}),
  });
  audit({
    action: `feed.${status}`,
    entity: 'feed-batch',
    entityId: request.id,
    regionCode: scope,
    details: { department, period: request.period, mode, rows: staged.rows, counts },
  });
  return { status, counts };
}
