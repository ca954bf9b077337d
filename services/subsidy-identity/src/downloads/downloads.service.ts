import type { DiffQuery } from '@rmi/contracts';
import { formatRowError, keysetPages } from '@rmi/ingest';
import { maskIdNumbersIn } from '@rmi/rules';
import { type Actor, NotFoundError, OutOfScopeError } from '@rmi/service-kit';
import type { IdentityDb } from '../db.js';
import { FEED_HEADER } from '../feeds/feed-columns.js';
import { disclosureFor } from '../identities/disclosure.js';
import { batchReadScope } from './batch-access.js';
import { DIFF_COLUMNS, diffCells, toDiffRow } from './diff-columns.js';
import {
  type Download,
  type DownloadLog,
  jsonArray,
  jsonDownload,
  jsonMember,
  tableDownload,
} from './download-body.js';
import { type ChangeRow, createDownloadsRepository } from './downloads.repository.js';

/** The leading columns of the errors download; the file's own columns follow. */
export const ERROR_COLUMNS = ['行号 line', '错误代码 codes', '原因 reasons'] as const;

/** The file's columns in the order a feed names its fields (ID, name, identity, …), then the others as stored. */
function errorCellOrder(keys: readonly string[]): string[] {
  const rank = (key: string) => {
    const field = FEED_HEADER.fieldOf(key);
    return field === undefined ? FEED_HEADER.fields.length : FEED_HEADER.fields.indexOf(field);
  };
  return keys
    .map((key, i) => ({ key, i, r: rank(key) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.key);
}

/**
 * A batch's diff and its bad rows as downloads (contracts/identity-feeds.md "Diff"), streamed from
 * identity.batch_changes and identity.batch_errors a page at a time in key order.
 */
export function createDownloadsService(db: IdentityDb, log: DownloadLog) {
  const batches = createDownloadsRepository(db);

  async function readableBatch(actor: Actor, id: string) {
    const batch = await batches.findBatch(id);
    if (!batch) throw new NotFoundError('BATCH_NOT_FOUND', `No feed batch ${id}.`);
    return { batch, scope: batchReadScope(actor, batch) };
  }

  return {
    async diff(actor: Actor, id: string, query: DiffQuery): Promise<Download> {
      const { batch, scope } = await readableBatch(actor, id);
      const show = disclosureFor(actor, batch.department);
      const filter = { change: query.change ?? null, regionPrefix: scope.regionPrefix };
      const rows = () =>
        keysetPages<ChangeRow, readonly [string, string]>(
          (after, limit) => batches.changesPage(batch.id, filter, after, limit),
          (r) => [r.id_number, r.identity_code],
        );
      if (query.format === 'json') {
        return jsonDownload(
          (async function* () {
            yield `{${[
              jsonMember('batchId', batch.id),
              jsonMember('department', batch.department),
              jsonMember('period', batch.period),
              jsonMember('status', batch.status),
            ].join(',')},"rows":`;
            yield* jsonArray(rows(), (r) => toDiffRow(r, show));
            yield '}';
          })(),
          log,
        );
      }
      return tableDownload(
        query.format,
        {
          fileName: `diff-${batch.department}-${batch.period}-${batch.id}`,
          sheetName: '变动明细',
          columns: DIFF_COLUMNS,
        },
        (async function* () {
          for await (const r of rows()) yield diffCells(r, show);
        })(),
        log,
      );
    },

    /** Every bad row with its line, codes and reasons, and its cells as sent: only whole batches. */
    async errors(actor: Actor, id: string): Promise<Download> {
      const { batch, scope } = await readableBatch(actor, id);
      if (scope.regionPrefix !== null) {
        // The rows of a wider batch are not all of the key's region, and a bad row may name no village.
        throw new OutOfScopeError(`The bad rows of batch ${batch.id} (a list wider than the key’s region)`);
      }
      const show = disclosureFor(actor, batch.department);
      const columns = errorCellOrder(await batches.errorColumns(batch.id));
      const cell = (v: string | null | undefined) => (v == null ? '' : show.whole ? v : maskIdNumbersIn(v));
      return tableDownload(
        'csv',
        {
          fileName: `errors-${batch.department}-${batch.period}-${batch.id}`,
          sheetName: '错误行',
          columns: [...ERROR_COLUMNS, ...columns].map((header) => ({ header })),
        },
        (async function* () {
          for await (const r of keysetPages(
            (after: number | null, limit) => batches.errorsPage(batch.id, after, limit),
            (r) => r.line,
          )) {
            yield [
              r.line,
              [...new Set(r.errors.map((e) => e.code))].join(' '),
              r.errors
                .map((e) => formatRowError({ column: e.column ?? 'row', code: e.code, message: e.message }))
                .join('; '),
              ...columns.map((c) => cell(r.cells[c])),
            ];
          }
        })(),
        log,
      );
    },
  };
}

export type DownloadsService = ReturnType<typeof createDownloadsService>;
