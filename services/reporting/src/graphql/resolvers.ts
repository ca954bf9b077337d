import type { Principal } from '@rmi/service-kit';
import { regionInScope } from '@rmi/service-kit';
import mercurius from 'mercurius';
import type { createProgressRepository, ProgressRow } from '../repositories/progress.repository.js';
import type { createRegionViewRepository } from '../repositories/regions.repository.js';

export interface Context {
  principal: Principal;
  regions: ReturnType<typeof createRegionViewRepository>;
  progress: ReturnType<typeof createProgressRepository>;
}

function toProgress(row: ProgressRow, year: number) {
  const done = row.paid + row.transferred;
  return { ...row, year, completionRate: row.target ? done / row.target : null };
}

interface RegionRow {
  code: string;
  name: string;
  level: string;
  parent_code: string | null;
  child_count: number;
}

const toRegion = (r: RegionRow) => ({
  code: r.code,
  name: r.name,
  level: r.level,
  parentCode: r.parent_code,
  childCount: r.child_count,
});

/** Regions on the way down to the key's own region are visible, so a dashboard can navigate to it. */
function visible(principal: Principal, code: string): boolean {
  return regionInScope(principal, code) || (principal.regionCode?.startsWith(code) ?? false);
}

function outOfScope(code: string): Error {
  return new mercurius.ErrorWithProps(`Region ${code} is outside the region of this API key.`, {
    code: 'OUT_OF_SCOPE',
  });
}

export const resolvers = {
  Query: {
    region: async (_: unknown, args: { code: string }, ctx: Context) => {
      if (!visible(ctx.principal, args.code)) throw outOfScope(args.code);
      const row = await ctx.regions.find(args.code);
      return row ? toRegion(row) : null;
    },
    enrolmentProgress: async (_: unknown, args: { regionCode: string; year: number }, ctx: Context) => {
      if (!regionInScope(ctx.principal, args.regionCode)) throw outOfScope(args.regionCode);
      const region = await ctx.regions.find(args.regionCode);
      if (!region) {
        throw new mercurius.ErrorWithProps(`No region ${args.regionCode}.`, { code: 'REGION_NOT_FOUND' });
      }
      const rows = await ctx.progress.childrenOf(args.regionCode, args.year);
      const sum = (pick: (r: ProgressRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
      const targets = rows.filter((r) => r.target !== null);
      const total: ProgressRow = {
        code: region.code,
        name: region.name,
        target: targets.length ? targets.reduce((n, r) => n + (r.target ?? 0), 0) : null,
        registered: sum((r) => r.registered),
        paid: sum((r) => r.paid),
        cancelled: sum((r) => r.cancelled),
        transferred: sum((r) => r.transferred),
      };
      return { total: toProgress(total, args.year), children: rows.map((r) => toProgress(r, args.year)) };
    },
    regions: async (_: unknown, args: { parentCode?: string | null }, ctx: Context) => {
      if (args.parentCode && !visible(ctx.principal, args.parentCode)) throw outOfScope(args.parentCode);
      const rows = args.parentCode ? await ctx.regions.childrenOf([args.parentCode]) : await ctx.regions.roots();
      return rows.filter((r) => visible(ctx.principal, r.code)).map(toRegion);
    },
  },
};

/** Children are batched per query level through mercurius loaders, one SQL statement per level. */
export const loaders = {
  Region: {
    children: async (queries: Array<{ obj: { code: string } }>, ctx: Context) => {
      const rows = await ctx.regions.childrenOf(queries.map((q) => q.obj.code));
      return queries.map((q) =>
        rows.filter((r) => r.parent_code === q.obj.code && visible(ctx.principal, r.code)).map(toRegion),
      );
    },
  },
};
