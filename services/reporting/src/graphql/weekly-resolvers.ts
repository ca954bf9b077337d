import { assessmentOf } from '../assessment/assessment.js';
import { weeklyReport } from '../weekly/weekly-report.js';
import { weeklyTrend } from '../weekly/weekly-trend.js';
import type { Context } from './context.js';
import { resolve } from './domain-errors.js';
import { toRegion } from './region-resolvers.js';

// The weekly report and its ranking, the weekly trend and the assessment, from the snapshots.

export const weeklyResolvers = {
  Query: {
    weeklyReport: (_: unknown, args: { townshipCode: string; year: number; week?: string | null }, ctx: Context) =>
      resolve(async () => {
        const report = await weeklyReport(ctx.deps, ctx.principal, args);
        return {
          ...report,
          township: toRegion(report.township),
          villages: report.villages.map((v) => ({ ...v, region: toRegion(v.region) })),
        };
      }),
    weeklyTrend: (_: unknown, args: { regionCode: string; year: number; weeks?: number | null }, ctx: Context) =>
      resolve(() => weeklyTrend(ctx.deps, ctx.principal, { ...args, weeks: args.weeks ?? 12 })),
    assessment: (_: unknown, args: { townshipCode: string; year: number; on?: string | null }, ctx: Context) =>
      resolve(async () => {
        const rows = await assessmentOf(ctx.deps, ctx.principal, args);
        return rows.map((r) => ({ ...r, region: toRegion(r.region) }));
      }),
  },
};

export const weeklyLoaders = {};
