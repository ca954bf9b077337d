import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { PaymentImportCounts } from '@rmi/contracts';
import { createInFlight, createSiblingPool, type Db, onClient, type PaymentDatabase } from '@rmi/db';
import type { UploadFormat, XlsxLimits } from '@rmi/ingest';
import {
  type Actor,
  assertRegionInScope,
  type Change,
  createChangeRunner,
  ForbiddenRoleError,
  NotFoundError,
  OutOfScopeError,
  shanghaiToday,
} from '@rmi/service-kit';
import { sql } from 'kysely';
import type pg from 'pg';
import type { PaymentDb } from '../db.js';
import { PAYMENT_OUTBOX, writeEvents } from '../events/outbox.js';
import { type ImportOutcome, toAnswer, toOutcome } from './import-answers.js';
import { classifyRows, recordRows, storeErrors } from './import-apply.js';
import { checkRows } from './import-checks.js';
import type { ImportSource } from './import-columns.js';
import { type ErrorsTable, errorsTable } from './import-error-rows.js';
import { importFailed, importProblem, isFileRefusal, unknownChannel } from './import-errors.js';
import { APPLY_LOCK, runningLockKey, SESSION_CLEANUP, SESSION_SETTINGS } from './import-session.js';
import { type StagedExport, stageExport } from './import-staging.js';
import { createImportsRepository, type ImportRow, type ImportsRepository } from './imports.repository.js';

export type { ImportOutcome } from './import-answers.js';

/** Where an import reports how long it took and what went wrong (the service's pino logger). */
export interface ImportLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface PaymentImportServiceOptions {
  /** The whole pool: imports take sessions of their own from a sibling pool of it. */
  pool: Db;
  db: PaymentDb;
  log: ImportLog;
  limits: {
    /** Imports computed at once (IMPORT_SESSIONS). */
    sessions: number;
    /** How long one statement of an import may run (IMPORT_STATEMENT_TIMEOUT_MS). */
    statementTimeoutMs: number;
    /** Largest upload (IMPORT_MAX_BYTES; 413 BODY_TOO_LARGE past it). */
    maxBytes: number;
    xlsx: XlsxLimits;
  };
  /** Called after an import recorded payments or reversals (and their events): the applier and the outbox are nudged there. */
  onRecorded?: () => void;
}

export interface PostImportOptions {
  source: ImportSource;
  year: number;
  format: UploadFormat;
  dryRun?: boolean;
  /** `skip` (default): valid rows are recorded and bad rows reported; `reject`: nothing is recorded when a row is bad. */
  onRowErrors?: 'skip' | 'reject';
  /** The channel of a channel export (default: its 渠道 column); of a tax export without one (default tax-window). */
  channel?: string | null;
  fileName?: string | null;
}

/** Phases of an import, for logs and for tests that stop one midway. */
export type ImportPhase = 'staged' | 'checked' | 'applied';

const IMPORTERS = ['admin', 'county-operator', 'township-operator', 'department-feed'] as const;

/** Operators import in their region, a department feed only the tax bureau's, admin anything. */
function assertMayImport(actor: Actor): void {
  if (actor.role === 'admin' || actor.role === 'county-operator' || actor.role === 'township-operator') return;
  if (actor.role !== 'department-feed') throw new ForbiddenRoleError(actor.role ?? 'none', IMPORTERS);
  if (actor.department !== 'tax') throw new OutOfScopeError('Payment imports (the tax department’s)');
}

/** The region an actor's rows must fall in ('' for none: admin, a department feed without a region). */
const scopeOf = (actor: Actor): string => (actor.role === 'admin' ? '' : (actor.regionCode ?? ''));

/** Unique violations (a payment or reversal recorded meanwhile by the API) and deadlocks: the apply runs again. */
const RETRYABLE = new Set(['23505', '40P01', '40001']);
const MAX_ATTEMPTS = 3;

/**
 * Imports of tax, channel and assistance-batch exports (contracts/payments.md "Importing
 * exports"): the file is staged through COPY on a session of its own while each cell is read by
 * rules, the rows are checked set-wise, then compared with what is recorded and applied in one
 * transaction under the import lock, with one audit row and one `payments.imported` event per
 * (village, channel, day) of its new payments and reversals. A failure midway leaves nothing of the file but the import marked failed.
 */
export function createPaymentImportService(options: PaymentImportServiceOptions) {
  const { db, log, limits } = options;
  const imports = createImportsRepository(db);
  // An import holds one session from upload to commit. Those sessions come from a pool of their
  // own, so imports can never take every connection requests need; a statement there may rightly
  // run for minutes (COPY of a slow upload, the comparison of a million rows).
  const sessions = createSiblingPool(options.pool, {
    max: limits.sessions,
    applicationName: 'payment-import',
    statementTimeoutMs: limits.statementTimeoutMs,
  });
  const { track, settled } = createInFlight();

  /** Channel codes and names, lower case, to their code. */
  async function channelNames(): Promise<Map<string, string>> {
    const rows = await db.selectFrom('payment.channels').select(['code', 'name']).execute();
    const names = new Map<string, string>();
    for (const r of rows) {
      names.set(r.code.toLowerCase(), r.code);
      names.set(r.name.toLowerCase(), r.code);
      names.set(r.name.normalize('NFKC').toLowerCase(), r.code);
    }
    return names;
  }

  async function answerOf(repo: ImportsRepository, row: ImportRow): Promise<ImportOutcome> {
    const counts = row.counts as Partial<PaymentImportCounts>;
    return toOutcome(row, counts.errors ? await repo.firstErrors(row.id) : []);
  }

  /** The database message stays in the log; the uploader learns only that nothing was recorded. */
  async function finish(id: string, status: 'failed' | 'rejected', failure: string): Promise<void> {
    await imports.update(id, { status, failure, finished_at: new Date() }).catch(() => {});
  }

  /**
   * Compares the checked rows with what is recorded and records the new ones, in one transaction
   * on the import's session (run again when the API recorded one of its vouchers meanwhile).
   */
  async function apply(
    client: pg.PoolClient,
    actor: Actor,
    id: string,
    request: Required<Omit<PostImportOptions, 'fileName' | 'channel'>>,
    staged: StagedExport,
    checked: Awaited<ReturnType<typeof checkRows>>,
  ): Promise<{ status: ImportRow['status']; counts: PaymentImportCounts }> {
    const scope = scopeOf(actor);
    const run = createChangeRunner(onClient<PaymentDatabase>(client), { service: PAYMENT_OUTBOX.source, writeEvents });
    const work = async ({ trx, audit }: Change<PaymentDatabase>) => {
      // Dry runs change nothing, so they never wait for the lock.
      if (!request.dryRun) await client.query(APPLY_LOCK);
      const counts = await classifyRows(client, { year: request.year, ...checked });
      if (counts.errors > 0) {
        await storeErrors(client, {
          importId: id,
          cellKeys: staged.cellKeys,
          scope,
          headerOf: staged.headerOf,
          hasOriginalColumn: staged.column('originalVoucher') !== undefined,
        });
      }
      let status: ImportRow['status'];
      if (request.onRowErrors === 'reject' && counts.errors > 0) status = 'rejected';
      else if (request.dryRun) status = 'dry-run';
      else {
        const written = await recordRows(client, {
          importId: id,
          year: request.year,
          source: request.source,
          recordedBy: actor.keyId,
        });
        if (written.payments !== counts.new || written.reversals !== counts.reversals) {
          throw new Error(`import ${id} wrote ${JSON.stringify(written)}, computed ${JSON.stringify(counts)}`);
        }
        status = written.payments + written.reversals > 0 ? 'applied' : 'unchanged';
      }
      await createImportsRepository(trx).update(id, {
        status,
        counts: JSON.stringify(counts),
        finished_at: new Date(),
      });
      audit({
        action: `payment-import.${status}`,
        entity: 'payment-import',
        entityId: id,
        regionCode: scope || null,
        details: { source: request.source, year: request.year, rows: staged.rows, dryRun: request.dryRun, counts },
      });
      return { status, counts };
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(actor, work);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw err;
        log.info({ importId: id, attempt, code }, 'payment import raced a payment recorded meanwhile; applying again');
      }
    }
  }

  async function post(
    actor: Actor,
    body: Readable,
    opts: PostImportOptions,
    onPhase?: (phase: ImportPhase) => void | Promise<void>,
  ): Promise<ImportOutcome> {
    const request = {
      source: opts.source,
      year: opts.year,
      format: opts.format,
      dryRun: opts.dryRun ?? false,
      onRowErrors: opts.onRowErrors ?? 'skip',
    } as const;
    let channels: Map<string, string>;
    const channel = opts.source === 'assistance-batch' ? null : (opts.channel ?? null);
    try {
      assertMayImport(actor);
      channels = await channelNames();
      if (channel !== null && channels.get(channel.toLowerCase()) !== channel) throw unknownChannel(channel);
    } catch (err) {
      body.resume();
      throw err;
    }

    const id = randomUUID();
    let client: pg.PoolClient;
    try {
      client = await sessions.connect();
    } catch (err) {
      body.resume();
      throw err;
    }
    try {
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [runningLockKey(id)]);
      await imports.insert({
        id,
        source: request.source,
        year: request.year,
        status: 'computing',
        dry_run: request.dryRun,
        scope_region_code: scopeOf(actor) || null,
        content_sha256: '',
        format: request.format === 'xlsx' ? 'xlsx' : 'csv',
        file_name: opts.fileName ?? null,
        created_by: actor.keyId,
      });
    } catch (err) {
      body.resume();
      // A session lock outlives a release to the pool: the connection is closed instead.
      client.release(true);
      throw err;
    }

    const started = Date.now();
    const took: Record<string, number> = {};
    const lap = async (phase: ImportPhase) => {
      took[phase] = Date.now() - started - Object.values(took).reduce((a, b) => a + b, 0);
      await onPhase?.(phase);
    };
    try {
      const staged = await stageExport(client, body, {
        source: request.source,
        year: request.year,
        format: request.format,
        today: shanghaiToday(),
        channel,
        channels,
        maxBytes: limits.maxBytes,
        xlsx: limits.xlsx,
      });
      // Progress: the file is in; its rows are known.
      await imports.update(id, { rows: staged.rows, encoding: staged.encoding, content_sha256: staged.sha256 });
      await lap('staged');
      await client.query(SESSION_SETTINGS);
      const checked = await checkRows(client, {
        year: request.year,
        scope: scopeOf(actor),
        rows: staged.rows,
        repeatedKeys: staged.repeatedKeys,
        kept: {
          payer: staged.column('name'),
          office: staged.column('taxOffice'),
          category: staged.column('assistanceCategory'),
          batch: staged.column('requestBatch'),
        },
      });
      await lap('checked');
      const { status, counts } = await apply(client, actor, id, request, staged, checked);
      await lap('applied');
      log.info({ importId: id, source: request.source, status, rows: staged.rows, counts, ms: took }, 'payment import');
      if (status === 'applied') options.onRecorded?.();
      return answerOf(imports, (await imports.find(id)) as ImportRow);
    } catch (err) {
      // Whatever is left of the upload is drained so the client gets its answer.
      body.resume();
      if (isFileRefusal(err)) {
        await finish(id, 'rejected', (err as Error).message);
        throw importProblem(err, id);
      }
      log.error({ err, importId: id }, 'payment import failed; nothing of it was recorded');
      await finish(id, 'failed', 'IMPORT_FAILED');
      throw importFailed(id);
    } finally {
      try {
        await client.query(SESSION_CLEANUP);
        await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [runningLockKey(id)]);
        client.release();
      } catch {
        // A session that cannot be cleaned is closed, and its locks and temp tables with it.
        client.release(true);
      }
    }
  }

  /** Marks an import that reads as running but whose session is gone (a crash) as failed. */
  async function settleOrphan(row: ImportRow): Promise<ImportRow> {
    if (row.status !== 'computing') return row;
    await db.transaction().execute(async (trx) => {
      const probe = await sql<{ free: boolean }>`
        select pg_try_advisory_xact_lock(hashtextextended(${runningLockKey(row.id)}, 0)) as free`.execute(trx);
      if (!probe.rows[0]?.free) return;
      await trx
        .updateTable('payment.imports')
        .set({ status: 'failed', failure: 'IMPORT_INTERRUPTED', finished_at: new Date() })
        .where('id', '=', row.id)
        .where('status', '=', 'computing')
        .execute();
    });
    return (await imports.find(row.id)) ?? row;
  }

  /** An import is readable by admin, and by a key whose region covers the importer's (the tax feed: its own). */
  async function readable(actor: Actor, id: string): Promise<ImportRow> {
    const row = await imports.find(id);
    if (!row) throw new NotFoundError('IMPORT_NOT_FOUND', `No payment import ${id}.`);
    if (actor.role !== 'admin') {
      if (actor.role === 'department-feed' && actor.department !== 'tax') throw new OutOfScopeError(`Import ${id}`);
      assertRegionInScope(actor, row.scope_region_code ?? '', `Import ${id}`);
    }
    return settleOrphan(row);
  }

  return {
    /**
     * Imports an export: `body` is the file as sent. Resolves with the answer and its HTTP status;
     * refusals of the file as a whole throw AppErrors (FILE_UNREADABLE, MISSING_COLUMNS,
     * BODY_TOO_LARGE, UNKNOWN_CHANNEL, OUT_OF_SCOPE), a failure IMPORT_FAILED (500). `onPhase` is
     * awaited after each phase.
     */
    post: (
      actor: Actor,
      body: Readable,
      opts: PostImportOptions,
      onPhase?: (phase: ImportPhase) => void | Promise<void>,
    ): Promise<ImportOutcome> => track(post(actor, body, opts, onPhase)),

    /** An import's progress, or its outcome with the first row errors. */
    async get(actor: Actor, id: string) {
      const row = await readable(actor, id);
      return toAnswer(row, (await answerOf(imports, row)).answer.errors);
    },

    /** Every row error of an import with the file's cells, as a table for the CSV download. */
    async errors(actor: Actor, id: string): Promise<ErrorsTable> {
      const row = await readable(actor, id);
      return errorsTable(imports, row);
    },

    /** Waits for imports in flight, then closes the import sessions (a graceful shutdown). */
    async drain(): Promise<void> {
      await settled();
      await sessions.end();
    },
  };
}

export type PaymentImportService = ReturnType<typeof createPaymentImportService>;
