import { regionInScope } from '@rmi/service-kit';
import mercurius from 'mercurius';
import type { ProgressRow } from '../repositories/progress.repository.js';
import type { Context } from './context.js';

// Reports read from the counters: progress, special groups, funding, cash alerts, the latest
// reconciliation, the unpaid list (and the superseded enrolmentProgress).

function toProgress(row: ProgressRow, year: number) {
  const done = row.paid + row.transferred;
  return { ...row, year, completionRate: row.target ? done / row.target : null };
}

export const reportResolvers = {
  Query: {
    enrolmentProgress: async (
      _: unknown,
      args: { regionCode: string; year: number },
      ctx: Context & { progress: { childrenOf(code: string, year: number): Promise<ProgressRow[]> } },
    ) => {
      if (!regionInScope(ctx.principal, args.regionCode)) {
        throw new mercurius.ErrorWithProps(`Region ${args.regionCode} is outside the region of this API key.`, {
          code: 'OUT_OF_SCOPE',
        });
      }
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
  },
};

export const reportLoaders = {};
