import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FeedBatchSummary, FeedSettings, ListFeedBatchesQuery, UpdateFeedSettingsBody } from '@rmi/contracts';
import { createInFlight, createSiblingPool, type Db, type FeedMode, type IdentityDatabase, onClient } from '@rmi/db';
import type { UploadFormat, XlsxLimits } from '@rmi/ingest';
import {
  type Actor,
  type Change,
  ConflictError,
  createChangeRunner,
  ForbiddenRoleError,
  NotFoundError,
  OutOfScopeError,
  shanghaiToday,
} from '@rmi/service-kit';
import type pg from 'pg';
import type { IdentityDb, RunChange } from '../db.js';
import { IDENTITY_OUTBOX, writeEvents } from '../events/outbox.js';
import { countsOf, type FeedOutcome, toOutcome, toSummary } from './feed-answers.js';
import { applyChanges } from './feed-apply.js';
import { type BatchRequest, decideBatch, readFeed, recordUnchanged } from './feed-batch.js';
import { batchHeld, batchProblem } from './feed-errors.js';
import { DEPARTMENT_LOCK, departmentLockKey, SESSION_CLEANUP } from './feed-session.js';
import { type BatchRow, createFeedsRepository, type FeedsRepository } from './feeds.repository.js';

export type { FeedOutcome } from './feed-answers.js';

/** Where a batch reports how long it took and what went wrong (the service's pino logger). */
export interface FeedLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface FeedServiceOptions {
  /** The whole pool: batches take sessions of their own from a sibling pool of it. */
  pool: Db;
  db: IdentityDb;
  change: RunChange;
  log: FeedLog;
  limits: {
    /** Batches computed at once (FEED_SESSIONS). */
    sessions: number;
    /** How long one statement of a batch may run (FEED_STATEMENT_TIMEOUT_MS). */
    statementTimeoutMs: number;
    /** Largest upload (FEED_MAX_BYTES; 413 BODY_TOO_LARGE past it). */
    maxBytes: number;
    xlsx: XlsxLimits;
  };
  /** Called after a batch's changes (and their events) committed: the outbox is nudged there. */
  onApplied?: () => void;
}

export interface PostFeedOptions {
  mode: FeedMode;
  /** `YYYY-MM`. */
  period: string;
  format: UploadFormat;
  dryRun?: boolean;
  onRowErrors?: 'skip' | 'reject';
  fileName?: string | null;
  idempotencyKey?: string | null;
}

/** Phases of a post, for logs and for tests that stop a batch midway. */
export type FeedPhase = 'staged' | 'checked' | 'computed' | 'applied';

const DECIDERS = ['admin', 'department-feed'] as const;

/** A department feed posts its own department's lists; admin any department's. */
function assertMayPost(actor: Actor, department: string): void {
  if (actor.role === 'admin') return;
  if (actor.role !== 'department-feed') throw new ForbiddenRoleError(actor.role ?? 'none', DECIDERS);
  if (actor.department !== department) throw new OutOfScopeError(`The ${department} feed`);
}

/** A held batch is decided by admin, or by a feed key of its department whose region covers the batch's. */
function assertMayDecide(actor: Actor, batch: BatchRow): void {
  assertMayPost(actor, batch.department);
  if (actor.role === 'admin' || actor.regionCode === null) return;
  if (!batch.scope_region_code?.startsWith(actor.regionCode)) throw new OutOfScopeError(`Batch ${batch.id}`);
}

/** The scope a key's batches are limited to: its region (null: the department's whole list). */
const scopeOf = (actor: Actor): string | null => (actor.role === 'admin' ? null : actor.regionCode);

/**
 * Department feeds (contracts/identity-feeds.md "Posting a batch"): a list is staged through COPY
 * on a session of its own, checked and compared with the department's current spells set-wise,
 * and its changes applied in one transaction with one audit row and one event per changed spell;
 * or held by the truncated-file guard until confirmed or discarded; or kept as a dry run.
 */
export function createFeedService(options: FeedServiceOptions) {
  const { db, change, log, limits } = options;
  const feeds = createFeedsRepository(db);
  // A batch holds one session from upload to commit. Those sessions come from a pool of their
  // own, so batches can never take every connection requests need; a statement there may rightly
  // run for minutes (COPY of a slow upload, the comparison of a million rows).
  const sessions = createSiblingPool(options.pool, {
    max: limits.sessions,
    applicationName: 'identity-feed',
    statementTimeoutMs: limits.statementTimeoutMs,
  });
  const { track, settled } = createInFlight();

  async function errorsOf(repo: FeedsRepository, row: BatchRow) {
    return row.counts.errors ? repo.firstErrors(row.id) : [];
  }

  /** The answer a stored batch gives again: an unchanged re-post answers the batch it repeated. */
  async function answerOf(repo: FeedsRepository, row: BatchRow): Promise<FeedOutcome> {
    if (row.status === 'unchanged' && row.answer_of) {
      const applied = await repo.find(row.answer_of);
      if (applied) return toOutcome(applied, await errorsOf(repo, applied), 'unchanged');
    }
    return toOutcome(row, await errorsOf(repo, row));
  }

  /** Runs `work` on a batch session, in one transaction through the change runner, with the department locked. */
  async function onSession<T>(
    client: pg.PoolClient,
    actor: Actor,
    department: string,
    work: (change: Change<IdentityDatabase>, repo: FeedsRepository) => Promise<T>,
  ): Promise<T> {
    const run = createChangeRunner(onClient<IdentityDatabase>(client), {
      service: IDENTITY_OUTBOX.source,
      writeEvents,
    });
    return run(actor, async (change) => {
      await client.query(DEPARTMENT_LOCK, [departmentLockKey(department)]);
      return work(change, createFeedsRepository(change.trx));
    });
  }

  async function post(
    actor: Actor,
    department: string,
    body: Readable,
    opts: PostFeedOptions,
    onPhase?: (phase: FeedPhase) => void | Promise<void>,
  ): Promise<FeedOutcome> {
    const request: BatchRequest = {
      id: randomUUID(),
      department,
      mode: opts.mode,
      period: opts.period,
      format: opts.format,
      scope: scopeOf(actor),
      dryRun: opts.dryRun ?? false,
      onRowErrors: opts.onRowErrors ?? 'skip',
      fileName: opts.fileName ?? null,
      idempotencyKey: opts.idempotencyKey ?? null,
    };
    try {
      assertMayPost(actor, department);
      // Answered before a byte is read: a retried post, or a department with a batch on hold.
      const early = await earlyAnswer(feeds, request);
      if (early) {
        body.resume();
        return early;
      }
    } catch (err) {
      body.resume();
      throw err;
    }

    const started = Date.now();
    const took: Record<string, number> = {};
    const lap = async (phase: FeedPhase) => {
      took[phase] = Date.now() - started - Object.values(took).reduce((a, b) => a + b, 0);
      await onPhase?.(phase);
    };
    const client = await sessions.connect();
    try {
      const checked = await readFeed(
        client,
        body,
        request,
        { today: shanghaiToday(), maxBytes: limits.maxBytes, xlsx: limits.xlsx },
        () => lap('staged'),
      );
      await lap('checked');
      const outcome = await onSession(client, actor, department, async (change, repo) => {
        // Again under the department's lock: two posts at once are decided one after the other.
        const early = await earlyAnswer(repo, request);
        if (early) return { outcome: early, applied: false };
        if (!request.dryRun) {
          const same = await repo.appliedWithContent({ ...request, sha256: checked.staged.sha256 });
          if (same) {
            await recordUnchanged(change, repo, request, checked, actor, same);
            return { outcome: toOutcome(same, await errorsOf(repo, same), 'unchanged'), applied: false };
          }
        }
        const { status } = await decideBatch(change, repo, client, request, checked, actor, () => lap('computed'));
        if (status === 'applied') await lap('applied');
        const row = (await repo.find(request.id)) as BatchRow;
        return { outcome: toOutcome(row, await errorsOf(repo, row)), applied: status === 'applied' };
      });
      log.info(
        { batchId: request.id, department, status: outcome.outcome.answer.status, rows: checked.staged.rows, ms: took },
        'feed batch decided',
      );
      if (outcome.applied) options.onApplied?.();
      return outcome.outcome;
    } catch (err) {
      // Whatever is left of the upload is drained so the client gets its answer.
      body.resume();
      throw batchProblem(err);
    } finally {
      await client.query(SESSION_CLEANUP).catch(() => {});
      client.release();
    }
  }

  /**
   * The answer a post gets without its file being looked at: the batch its Idempotency-Key made,
   * or 409 BATCH_HELD while the department has a batch on hold (a dry run is never held up).
   */
  async function earlyAnswer(repo: FeedsRepository, request: BatchRequest): Promise<FeedOutcome | undefined> {
    if (request.idempotencyKey) {
      const prior = await repo.byIdempotencyKey(request.department, request.idempotencyKey);
      if (prior) return answerOf(repo, prior);
    }
    if (!request.dryRun) {
      const held = await repo.held(request.department);
      if (held) throw batchHeld(held.id);
    }
    return undefined;
  }

  /** Runs a decision on a held batch on a session of its own (applying may take minutes). */
  async function decide(
    actor: Actor,
    id: string,
    action: 'confirm' | 'discard',
  ): Promise<{ outcome: FeedOutcome; applied: boolean }> {
    const found = await feeds.find(id);
    if (!found) throw new NotFoundError('BATCH_NOT_FOUND', `No feed batch ${id}.`);
    assertMayDecide(actor, found);
    const client = await sessions.connect();
    try {
      return await onSession(client, actor, found.department, async ({ trx, audit }, repo) => {
        const batch = (await repo.findForUpdate(id)) as BatchRow;
        if (batch.status !== 'held') {
          throw new ConflictError(
            'BATCH_NOT_HELD',
            `Batch ${id} is ${batch.status}, not held: there is nothing to ${action}.`,
            {
              status: batch.status,
            },
          );
        }
        const now = new Date();
        if (action === 'discard') {
          await repo.dropChanges(id);
          await repo.update(id, { status: 'discarded', decided_by: actor.keyId, decided_at: now });
        } else {
          const last = await repo.lastAppliedOver(batch.department, batch.scope_region_code);
          if (last !== batch.based_on) {
            throw new ConflictError(
              'BATCH_STALE',
              `Batch ${last} of this department was applied after batch ${id} was computed: post the list again.`,
              { appliedSince: last },
            );
          }
          const counts = countsOf(batch);
          await applyChanges(trx, {
            id,
            department: batch.department,
            periodStart: batch.period_start,
            mode: batch.mode,
            changes: counts.added + counts.changed + counts.moved + counts.removed,
          });
          await repo.update(id, { status: 'applied', decided_by: actor.keyId, decided_at: now, applied_at: now });
        }
        audit({
          action: `feed.${action}`,
          entity: 'feed-batch',
          entityId: id,
          regionCode: batch.scope_region_code,
          details: { department: batch.department, period: batch.period, mode: batch.mode, counts: batch.counts },
        });
        const row = (await repo.find(id)) as BatchRow;
        return { outcome: toOutcome(row, await errorsOf(repo, row)), applied: action === 'confirm' };
      });
    } finally {
      client.release();
    }
  }

  return {
    /**
     * Posts a department's list: `body` is the file as sent. Resolves with the answer and its
     * HTTP status; refusals of the batch as a whole throw AppErrors (FILE_UNREADABLE,
     * MISSING_COLUMNS, BATCH_HELD, BODY_TOO_LARGE, OUT_OF_SCOPE). `onPhase` is awaited after
     * each phase, inside the batch's transaction from 'computed' on.
     */
    post: (
      actor: Actor,
      department: string,
      body: Readable,
      opts: PostFeedOptions,
      onPhase?: (phase: FeedPhase) => void | Promise<void>,
    ): Promise<FeedOutcome> => track(post(actor, department, body, opts, onPhase)),

    /** Applies a held batch as computed (409 BATCH_STALE when another was applied since). */
    async confirm(actor: Actor, id: string): Promise<FeedOutcome> {
      const { outcome } = await track(decide(actor, id, 'confirm'));
      options.onApplied?.();
      return outcome;
    },

    /** Drops a held batch: nothing of it is applied, its computed changes are deleted. */
    async discard(actor: Actor, id: string): Promise<FeedOutcome> {
      return (await track(decide(actor, id, 'discard'))).outcome;
    },

    /** Batches in the key's scope, newest first; never a person's ID number. */
    async list(actor: Actor, query: ListFeedBatchesQuery): Promise<FeedBatchSummary[]> {
      let department: string | undefined = query.department;
      if (actor.role === 'department-feed') {
        if (department !== undefined && department !== actor.department) {
          throw new OutOfScopeError(`The ${department} feed`);
        }
        department = actor.department ?? undefined;
      }
      const rows = await feeds.list({
        ...(department === undefined ? {} : { department }),
        ...(query.period === undefined ? {} : { period: query.period }),
        scopePrefix: actor.role === 'admin' ? null : (actor.regionCode ?? null),
        limit: query.limit,
      });
      return rows.map(toSummary);
    },

    /** The guard's shares of a department (its own feed key, or admin). */
    async settings(actor: Actor, department: string): Promise<FeedSettings> {
      assertMayPost(actor, department);
      return settingsOf(feeds, department);
    },

    /** Changes the guard's shares of a department (admin). */
    async updateSettings(actor: Actor, department: string, body: UpdateFeedSettingsBody): Promise<FeedSettings> {
      return change(actor, async ({ trx, audit }) => {
        const repo = createFeedsRepository(trx);
        const before = await repo.shares(department);
        const shares = {
          maxRemovalShare: body.maxRemovalShare ?? before.maxRemovalShare,
          minRowShare: body.minRowShare ?? before.minRowShare,
        };
        await repo.saveShares(department, shares, actor.keyId);
        audit({
          action: 'feed.settings',
          entity: 'feed-settings',
          entityId: department,
          details: { before: { ...before, updatedAt: undefined, updatedBy: undefined }, after: shares },
        });
        return settingsOf(repo, department);
      });
    },

    /** Waits for batches in flight, then closes the batch sessions (a graceful shutdown). */
    async drain(): Promise<void> {
      await settled();
      await sessions.end();
    },
  };
}

async function settingsOf(repo: FeedsRepository, department: string): Promise<FeedSettings> {
  const s = await repo.shares(department);
  return {
    department: department as FeedSettings['department'],
    maxRemovalShare: s.maxRemovalShare,
    minRowShare: s.minRowShare,
    updatedBy: s.updatedBy,
    updatedAt: s.updatedAt ? new Date(s.updatedAt).toISOString() : null,
  };
}

export type FeedService = ReturnType<typeof createFeedService>;
