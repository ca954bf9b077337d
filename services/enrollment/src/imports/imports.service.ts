import type { ImportSummary } from '@rmi/contracts';
import { type Actor, AppError, assertRegionInScope, NotFoundError } from '@rmi/service-kit';
import type { EnrollmentDb } from '../db.js';
import { createImportsRepository, type ImportRow, RUNNING_STATUSES } from './imports.repository.js';
import type { RegistrationImporter } from './registration-import.js';

export const IMPORTS_PATH = '/v1/registration-imports';

export function toImportSummary(row: ImportRow): ImportSummary {
  return {
    id: row.id,
    year: row.year,
    mode: row.mode,
    format: row.format,
    status: row.status,
    fileName: row.file_name,
    encoding: row.encoding,
    bytesReceived: row.bytes_received,
    rowsTotal: row.rows_total,
    rowsRejected: row.rows_rejected,
    personsCreated: row.persons_created,
    enrolmentsCreated: row.enrolments_created,
    rowsUnchanged: row.rows_unchanged,
    problem: (row.problem as ImportSummary['problem']) ?? null,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    links: { self: `${IMPORTS_PATH}/${row.id}`, rejections: `${IMPORTS_PATH}/${row.id}/rejections.csv` },
  };
}

/** Reading imports back: their progress, their outcome as a problem, their rejected rows. */
export function createImportsService(db: EnrollmentDb, importer: RegistrationImporter) {
  const imports = createImportsRepository(db);

  /** An import that reads as running but whose session is gone is settled first (IMPORT_INTERRUPTED). */
  async function settled(id: string): Promise<ImportRow> {
    let row = await imports.find(id);
    if (!row) throw new NotFoundError('IMPORT_NOT_FOUND', `No import ${id}.`);
    if (RUNNING_STATUSES.includes(row.status)) {
      await importer.settleOrphans([row.id]);
      row = (await imports.find(id)) ?? row;
    }
    return row;
  }

  /** An import is visible to the key that could have made it: its scope covers the uploader's. */
  async function readable(actor: Actor, id: string): Promise<ImportRow> {
    const row = await settled(id);
    if (actor.role !== 'admin') assertRegionInScope(actor, row.scope_region_code ?? '', `Import ${row.id}`);
    return row;
  }

  return {
    get: async (actor: Actor, id: string): Promise<ImportSummary> => toImportSummary(await readable(actor, id)),

    async recent(actor: Actor, limit: number): Promise<ImportSummary[]> {
      const scope = actor.role === 'admin' ? null : (actor.regionCode ?? '-');
      let rows = await imports.recent(scope, limit);
      const running = rows.filter((r) => RUNNING_STATUSES.includes(r.status)).map((r) => r.id);
      if (running.length) {
        await importer.settleOrphans(running);
        rows = await imports.recent(scope, limit);
      }
      return rows.map(toImportSummary);
    },

    /**
     * The answer to an upload: its summary, or the problem it ended with (413 for a size bound,
     * 422 for a file or rows refused, 500 for a failure), with the first rejections inline.
     */
    async outcome(id: string): Promise<ImportSummary> {
      const row = await settled(id);
      const problem = imports.problemOf(row);
      if ((row.status === 'rejected' || row.status === 'failed') && problem) {
        const status = row.status === 'failed' ? 500 : problem.code === 'IMPORT_TOO_LARGE' ? 413 : 422;
        throw new AppError(status, problem.code, problem.detail, {
          importId: row.id,
          ...(problem.errors ? { errors: problem.errors } : {}),
          ...(row.rows_rejected ? { errors: await imports.firstRejections(row.id) } : {}),
          links: toImportSummary(row).links,
        });
      }
      return toImportSummary(row);
    },

    /** Header and rows of the rejections download, in line order, cells as uploaded. */
    async rejections(actor: Actor, id: string) {
      const row = await readable(actor, id);
      const columns = await imports.rejectedColumns(row.id);
      async function* rows() {
        for await (const x of imports.rejections(row.id)) {
          yield [x.line, x.reasons.join('; '), ...columns.map((c) => x.row[c] ?? '')];
        }
      }
      return { id: row.id, header: ['行号 line', '原因 reasons', ...columns], rows: rows() };
    },
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;
