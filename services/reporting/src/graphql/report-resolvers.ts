import { cashAlertsOf } from '../cash/cash-alerts.js';
import type { ProgressNode } from '../progress/figures.js';
import { fundingOf } from '../progress/funding.js';
import { type FiguresSource, progressTree } from '../progress/progress.js';
import { specialGroupsOf } from '../progress/special-groups.js';
import { reconciliationOf } from '../reconciliation/reconciliation-summary.js';
import { unpaidPage } from '../unpaid/unpaid-list.js';
import type { Context } from './context.js';
import { resolve } from './domain-errors.js';
import { childrenLater } from './progress-children.js';
import { toRegion } from './region-resolvers.js';

// Reports read from the counters: progress, special groups, funding, cash alerts, the latest
// reconciliation, the unpaid list (and the superseded enrolmentProgress).

/** A Progress as GraphQL answers it, with what the children loader needs to go one level down. */
interface ProgressObject extends Omit<ProgressNode, 'region' | 'children'> {
  region: ReturnType<typeof toRegion>;
  source: FiguresSource;
  /** The children read with the node (the root's), or null: the loader reads them, level by level. */
  prefetched: ProgressNode[] | null;
}

// Field by field rather than rest and spread, which V8 runs slowly: one call per region answered.
function toProgress(node: ProgressNode, source: FiguresSource, prefetched: boolean): ProgressObject {
  return {
    target: node.target,
    registered: node.registered,
    unpaid: node.unpaid,
    paid: node.paid,
    cancelled: node.cancelled,
    transferred: node.transferred,
    rate: node.rate,
    gap: node.gap,
    year: node.year,
    asOf: node.asOf,
    region: toRegion(node.region),
    source,
    prefetched: prefetched ? node.children : null,
  };
}

/** The superseded figures: stored statuses apart, and no target (nor rate) where none is set. */
function toLegacy(node: ProgressNode) {
  const target = node.target > 0 ? node.target : null;
  return {
    code: node.region.code,
    name: node.region.name,
    year: node.year,
    target,
    registered: node.unpaid,
    paid: node.paid - node.transferred,
    cancelled: node.cancelled,
    transferred: node.transferred,
    completionRate: target === null ? null : node.paid / target,
  };
}

type Args<T> = T & Record<string, unknown>;

export const reportResolvers = {
  Query: {
    progress: (_: unknown, args: Args<{ regionCode: string; year: number; asOf?: string | null }>, ctx: Context) =>
      resolve(async () => {
        const { node, source } = await progressTree(ctx.deps, ctx.principal, args);
        return toProgress(node, source, true);
      }),
    specialGroups: (_: unknown, args: Args<{ regionCode: string; year: number; asOf?: string | null }>, ctx: Context) =>
      resolve(() => specialGroupsOf(ctx.deps, ctx.principal, args)),
    funding: (
      _: unknown,
      args: Args<{ regionCode: string; year: number; from?: string | null; to?: string | null }>,
      ctx: Context,
    ) => resolve(() => fundingOf(ctx.deps, ctx.principal, args)),
    cashAlerts: (_: unknown, args: Args<{ regionCode: string; on?: string | null }>, ctx: Context) =>
      resolve(() => cashAlertsOf(ctx.deps, ctx.principal, args)),
    reconciliation: (_: unknown, args: Args<{ regionCode: string; year: number }>, ctx: Context) =>
      resolve(() => reconciliationOf(ctx.deps, ctx.principal, args)),
    unpaid: (
      _: unknown,
      args: Args<{ regionCode: string; year: number; first: number; after?: string | null }>,
      ctx: Context,
    ) =>
      resolve(async () => {
        const page = await unpaidPage(ctx.deps, ctx.principal, args);
        return {
          totalCount: page.totalCount,
          nodes: page.nodes.map((p) => ({
            idNumber: p.idNumber,
            name: p.name,
            village: toRegion(p.village),
            category: p.category,
            masked: p.masked,
          })),
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        };
      }),
    enrolmentProgress: (_: unknown, args: Args<{ regionCode: string; year: number }>, ctx: Context) =>
      resolve(async () => {
        const { node } = await progressTree(ctx.deps, ctx.principal, args);
        return { total: toLegacy(node), children: node.children.map(toLegacy) };
      }),
  },
  Progress: {
    // The root's children come with it; every level below is read for all its parents at once,
    // one statement per level of the tree however many regions it holds.
    children: (obj: ProgressObject, _args: unknown, ctx: Context) =>
      obj.prefetched
        ? obj.prefetched.map((n) => toProgress(n, obj.source, false))
        : childrenLater(ctx, obj.region.code, obj.source).then((nodes) =>
            nodes.map((n) => toProgress(n, obj.source, false)),
          ),
  },
};
