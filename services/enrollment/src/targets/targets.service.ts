import type { ComputeTargetsBody, TargetsList, TargetsWritten } from '@rmi/contracts';
import type { RegionLevel } from '@rmi/db';
import { type Actor, assertRegionInScope, NotFoundError, ValidationError } from '@rmi/service-kit';
import type { EnrollmentDb, RunChange } from '../db.js';
import { sumTargets, toTarget, toWritten } from './target-view.js';
import { createTargetsRepository, type TargetInput } from './targets.repository.js';

/** The smallest division holding every code, so an operator's audit view finds the batch. */
function commonRegion(codes: readonly string[]): string | null {
  const [first] = codes;
  if (first === undefined) return null;
  for (const length of [12, 9, 6, 4, 2]) {
    const prefix = first.slice(0, length);
    if (prefix.length === length && codes.every((c) => c.startsWith(prefix))) return prefix;
  }
  return null;
}

/**
 * The level of each code a batch names, for the caller to judge its rows by (it throws to refuse
 * them): the caller knows how its rows are told apart (`body.targets.3`, `line 7`).
 */
export type TargetRowsCheck = (levels: ReadonlyMap<string, RegionLevel>) => void;

/** Village targets (任务数): stated by operators, loaded from a file, or counted from the register. */
export function createTargetsService(deps: { db: EnrollmentDb; change: RunChange }) {
  const { change } = deps;
  const targets = createTargetsRepository(deps.db);

  const regionNotFound = (code: string) => new NotFoundError('REGION_NOT_FOUND', `No region ${code}.`);

  return Object.freeze({
    /**
     * Targets as an operator states them, as one all-or-nothing batch. `check` sees the level of
     * every code named before anything is written; every code must also be in the caller's scope.
     */
    async setLoaded(
      actor: Actor,
      batch: { year: number; rows: TargetInput[]; action: 'targets.set' | 'targets.import' },
      check: TargetRowsCheck,
    ): Promise<TargetsWritten> {
      const { year, rows, action } = batch;
      check(await targets.levelsOf(rows.map((row) => row.regionCode)));
      for (const row of rows) assertRegionInScope(actor, row.regionCode, `Village ${row.regionCode}`);
      const regionCode = commonRegion(rows.map((row) => row.regionCode));
      return change(actor, async ({ trx, audit, emit }) => {
        const written = await createTargetsRepository(trx).setLoaded(year, rows, actor.keyId);
        const result = toWritten(year, written);
        audit({
          action,
          entity: 'target',
          regionCode,
          details: { year, basis: 'loaded', rows: written.length, inserted: result.inserted, total: result.total },
        });
        emit('target.set', {
          year,
          basis: 'loaded',
          basisDate: null,
          regionCode,
          targets: written.map((w) => ({ regionCode: w.region_code, target: w.target })),
        });
        return result;
      });
    },

    /** The target of every village under a region, counted from the register (targets.repository.ts says how). */
    async compute(actor: Actor, body: ComputeTargetsBody): Promise<TargetsWritten> {
      const { year, regionCode, basis, date, source } = body;
      assertRegionInScope(actor, regionCode, `Region ${regionCode}`);
      if (!(await targets.findRegion(regionCode))) throw regionNotFound(regionCode);
      return change(actor, async ({ trx, audit, emit }) => {
        const written = await createTargetsRepository(trx).compute(
          year,
          regionCode,
          basis,
          date,
          source ?? null,
          actor.keyId,
        );
        const result = toWritten(year, written);
        audit({
          action: 'targets.compute',
          entity: 'target',
          regionCode,
          details: { year, basis, date, rows: written.length, inserted: result.inserted, total: result.total },
        });
        emit('target.set', {
          year,
          basis,
          basisDate: date,
          regionCode,
          targets: written.map((w) => ({ regionCode: w.region_code, target: w.target })),
        });
        return result;
      });
    },

    /**
     * Targets of a year under a region (the caller's own when none is named). They are published with
     * the notices (002_760418c3a3365474.txt annex 1), so every key may read those of its region.
     */
    async list(actor: Actor, query: { year: number; regionCode?: string | undefined }): Promise<TargetsList> {
      const { year } = query;
      const regionCode = query.regionCode ?? actor.regionCode ?? null;
      let regionName: string | null = null;
      if (regionCode) {
        assertRegionInScope(actor, regionCode, `Region ${regionCode}`);
        const region = await targets.findRegion(regionCode);
        if (!region) throw regionNotFound(regionCode);
        regionName = region.name;
      } else if (actor.role !== 'admin') {
        // A key without a region (a department feed) names the region it wants.
        throw new ValidationError([{ path: 'query.regionCode', message: 'required for a key without a region' }]);
      }
      const rows = await targets.list(year, regionCode);
      return { year, regionCode, regionName, total: sumTargets(rows), targets: rows.map(toTarget) };
    },
  });
}

export type TargetsService = ReturnType<typeof createTargetsService>;
