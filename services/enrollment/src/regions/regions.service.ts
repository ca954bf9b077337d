import type { RegionImportResult, RegionWithChildren } from '@rmi/contracts';
import { importRegions, parseRegionCsv, RegionImportError } from '@rmi/db';
import { type Actor, assertRegionInScope, NotFoundError, UnprocessableError } from '@rmi/service-kit';
import { asSharedDb, type EnrollmentDb, type RunChange } from '../db.js';
import { toRegion } from './region-view.js';
import { createRegionsRepository } from './regions.repository.js';

interface RowProblem {
  line: number;
  field: string;
  message: string;
  code: string;
}

/** Every bad row of a region file, by line; nothing of the file is written. */
function rowsInvalid(errors: readonly RowProblem[]): UnprocessableError {
  return new UnprocessableError('IMPORT_ROWS_INVALID', `${errors.length} row(s) are invalid; nothing was imported.`, {
    errors: errors.map((e) => ({ path: `line:${e.line}/${e.field}`, line: e.line, message: e.message, code: e.code })),
  });
}

/** The division tree: reading it, and loading a county's own villages. */
export function createRegionsService(deps: { db: EnrollmentDb; change: RunChange }) {
  const regions = createRegionsRepository(deps.db);

  return Object.freeze({
    async roots() {
      return (await regions.roots()).map(toRegion);
    },

    /** A region with its ancestors and children; a key reads the path down to its own region, not its siblings. */
    async family(actor: Actor, code: string): Promise<RegionWithChildren> {
      const family = await regions.withFamily(code);
      if (!family) throw new NotFoundError('REGION_NOT_FOUND', `No region ${code}.`);
      if (!actor.regionCode?.startsWith(code)) assertRegionInScope(actor, code, `Region ${code}`);
      const { region, path, children } = family;
      return { ...toRegion(region), path: path.map(toRegion), children: children.map(toRegion) };
    },

    /** A region CSV (code, name, parent code; UTF-8 or GB18030) applied as one all-or-nothing batch. */
    async importCsv(actor: Actor, file: Buffer): Promise<RegionImportResult> {
      const parsed = parseRegionCsv(file);
      if (parsed.errors.length) throw rowsInvalid(parsed.errors);
      try {
        return await deps.change(actor, async ({ trx, audit }) => {
          const result = await importRegions(asSharedDb(trx), parsed.rows, `import:${actor.keyId}`);
          audit({ action: 'regions.import', entity: 'region', details: { rows: parsed.rows.length, ...result } });
          return { ...result, encoding: parsed.encoding };
        });
      } catch (err) {
        if (err instanceof RegionImportError) throw rowsInvalid(err.errors);
        throw err;
      }
    },
  });
}

export type RegionsService = ReturnType<typeof createRegionsService>;
