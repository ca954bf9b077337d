import { randomUUID } from 'node:crypto';
import type { CreateReconciliationBody } from '@rmi/contracts';
import { type Download, type DownloadLog, keysetPages, tableDownload } from '@rmi/ingest';
import type { ReconciliationClass } from '@rmi/rules';
import {
  type Actor,
  AppError,
  assertRegionInScope,
  NotFoundError,
  type PolicyCatalog,
  UnprocessableError,
  ValidationError,
} from '@rmi/service-kit';
import { sql } from 'kysely';
import type { PaymentDb, RunChange } from '../db.js';
import { ITEM_COLUMNS, itemCells } from './item-columns.js';
import { runPolicy } from './policy-data.js';
import { createReconciliationsRepository, type ItemRow } from './reconciliations.repository.js';
import { type ClassTotals, runLock, runStatement } from './run-statement.js';
import { countsOf, type RunAnswer, toItem, toRun, totalsOf } from './run-view.js';

export interface ReconciliationsDeps {
  db: PaymentDb;
  change: RunChange;
  catalog: PolicyCatalog;
  /** How long the run's statement may take (RECONCILE_STATEMENT_TIMEOUT_MS; 0: no limit). */
  statementTimeoutMs: number;
  log: DownloadLog;
}

export interface ItemsQuery {
  class?: ReconciliationClass;
  format: 'json' | 'csv' | 'xlsx';
  after?: string;
  limit: number;
}

export type ItemsAnswer =
  | { kind: 'page'; page: { items: ReturnType<typeof toItem>[]; next: string | null } }
  | { kind: 'download'; download: Download };

/** SQLSTATE of a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

/**
 * Reconciliation runs (contracts/payments.md, "Reconciliation runs"): a region's year classified in
 * one statement and stored for good, its items read in pages or downloaded, two runs compared.
 */
export function createReconciliationsService(deps: ReconciliationsDeps) {
  const repo = createReconciliationsRepository(deps.db);

  async function readableRun(actor: Actor, runId: string) {
    const run = await repo.findRun(runId);
    if (!run) throw new NotFoundError('RECONCILIATION_NOT_FOUND', `No reconciliation run ${runId}.`);
    assertRegionInScope(actor, run.region_code, `Reconciliation run ${runId} (region ${run.region_code})`);
    return run;
  }

  return Object.freeze({
    /**
     * Classifies every person-year of the region and year as of `asOf` (default now) and stores the
     * run. Runs of one county and year queue on an advisory lock, so they never interleave.
     */
    async start(actor: Actor, body: CreateReconciliationBody): Promise<RunAnswer> {
      if (body.regionCode.length < 6) {
        throw new UnprocessableError(
          'REGION_TOO_WIDE',
          `A run is of a county or a part of one (one policy, one queue of runs); ${body.regionCode} is wider.`,
        );
      }
      assertRegionInScope(actor, body.regionCode, `Region ${body.regionCode}`);
      const now = new Date();
      const asOf = body.asOf ? new Date(body.asOf) : now;
      if (asOf.getTime() > now.getTime()) {
        throw new ValidationError([{ path: 'body.asOf', message: 'is in the future: a run counts what has arrived' }]);
      }
      // Read before the transaction opens, like every read of the policies (policy-catalog.ts).
      const policy = runPolicy(await deps.catalog.documents(), body.regionCode, body.year);
      const runId = randomUUID();
      try {
        return await deps.change(actor, async ({ trx, audit }) => {
          // The one long statement of a region's year gets its own limit, for this transaction only.
          await sql`select set_config('statement_timeout', ${String(deps.statementTimeoutMs)}, true)`.execute(trx);
          await runLock(body.regionCode, body.year).execute(trx);
          await trx
            .insertInto('payment.reconciliation_runs')
            .values({
              id: runId,
              region_code: body.regionCode,
              year: body.year,
              as_of: asOf,
              counts: '{}',
              totals: '{}',
              created_by: actor.keyId,
            })
            .execute();
          const { rows } = await runStatement({
            runId,
            regionCode: body.regionCode,
            year: body.year,
            asOf,
            assistance: policy.assistance,
            prices: policy.prices,
            unpaidDay: policy.unpaidDay,
          }).execute(trx);
          const perClass = rows as ClassTotals[];
          const counts = countsOf(perClass);
          const totals = totalsOf(perClass);
          const stored = await trx
            .updateTable('payment.reconciliation_runs')
            .set({
              counts: JSON.stringify(counts),
              totals: JSON.stringify({ ...totals, policyId: policy.policyId }),
              notes: JSON.stringify(policy.notes),
            })
            .where('id', '=', runId)
            .returning(['id', 'region_code', 'year', 'as_of', 'counts', 'totals', 'notes', 'created_at'])
            .executeTakeFirstOrThrow();
          audit({
            action: 'reconciliation.run',
            entity: 'reconciliation-run',
            entityId: runId,
            regionCode: body.regionCode,
            details: { year: body.year, asOf: asOf.toISOString(), policyId: policy.policyId, counts },
          });
          return toRun(stored as Parameters<typeof toRun>[0]);
        });
      } catch (err) {
        if ((err as { code?: unknown }).code === QUERY_CANCELED) {
          throw new AppError(
            503,
            'RECONCILIATION_TIMED_OUT',
            `The run of ${body.regionCode} ${body.year} took longer than ${deps.statementTimeoutMs} ms and was ` +
              'rolled back; nothing was stored.',
          );
        }
        throw err;
      }
    },

    async get(actor: Actor, runId: string): Promise<RunAnswer> {
      return toRun(await readableRun(actor, runId));
    },

    /** A page of items (json), or every item of the class as a file (csv, xlsx: `after` and `limit` do not apply). */
    async items(actor: Actor, runId: string, query: ItemsQuery): Promise<ItemsAnswer> {
      const run = await readableRun(actor, runId);
      const filter = { class: query.class ?? null };
      if (query.format === 'json') {
        const rows = await repo.itemsPage(run.id, filter, query.after ?? null, query.limit);
        const last = rows[rows.length - 1];
        return {
          kind: 'page',
          page: { items: rows.map(toItem), next: rows.length === query.limit && last ? last.id_number : null },
        };
      }
      const rows = keysetPages<ItemRow, string>(
        (after, limit) => repo.itemsPage(run.id, filter, after, limit),
        (r) => r.id_number,
      );
      return {
        kind: 'download',
        download: tableDownload(
          query.format,
          {
            fileName: `reconciliation-${run.region_code}-${run.year}-${query.class ?? 'all'}-${run.id}`,
            sheetName: '对账明细',
            columns: ITEM_COLUMNS,
          },
          (async function* () {
            for await (const r of rows) yield itemCells(r);
          })(),
          deps.log,
        ),
      };
    },

    /** The person-years whose class differs between two runs of one region and year. */
    async compare(actor: Actor, a: string, b: string, query: { after?: string; limit: number }) {
      const [runA, runB] = [await readableRun(actor, a), await readableRun(actor, b)];
      if (runA.region_code !== runB.region_code || runA.year !== runB.year) {
        throw new UnprocessableError(
          'RUNS_NOT_COMPARABLE',
          `Run ${a} is of ${runA.region_code} ${runA.year}, run ${b} of ${runB.region_code} ${runB.year}: ` +
            'only runs of one region and year compare.',
        );
      }
      const rows = await repo.changesPage(a, b, query.after ?? null, query.limit);
      const last = rows[rows.length - 1];
      return {
        a,
        b,
        items: rows.map((r) => ({ idNumber: r.id_number, name: r.name, before: r.before, after: r.after })),
        next: rows.length === query.limit && last ? last.id_number : null,
      };
    },
  });
}

export type ReconciliationsService = ReturnType<typeof createReconciliationsService>;
