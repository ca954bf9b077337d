import type { Principal } from '@rmi/service-kit';
import { regionInScope } from '@rmi/service-kit';
import mercurius from 'mercurius';
import type { RegionRow } from '../regions/regions.repository.js';
import type { Context } from './context.js';

export const toRegion = (r: RegionRow) => ({
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

export const regionResolvers = {
  Query: {
    region: async (_: unknown, args: { code: string }, ctx: Context) => {
      if (!visible(ctx.principal, args.code)) throw outOfScope(args.code);
      const row = await ctx.regions.find(args.code);
      return row ? toRegion(row) : null;
    },
    regions: async (_: unknown, args: { parentCode?: string | null }, ctx: Context) => {
      if (args.parentCode && !visible(ctx.principal, args.parentCode)) throw outOfScope(args.parentCode);
      const rows = args.parentCode ? await ctx.regions.childrenOf([args.parentCode]) : await ctx.regions.roots();
      return rows.filter((r) => visible(ctx.principal, r.code)).map(toRegion);
    },
  },
};

/** Children are batched per query level through mercurius loaders, one SQL statement per level. */
export const regionLoaders = {
  Region: {
    children: async (queries: Array<{ obj: { code: string } }>, ctx: Context) => {
      const rows = await ctx.regions.childrenOf(queries.map((q) => q.obj.code));
      return queries.map((q) =>
        rows.filter((r) => r.parent_code === q.obj.code && visible(ctx.principal, r.code)).map(toRegion),
      );
    },
  },
};
