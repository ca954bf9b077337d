import { type Download, type DownloadLog, tableDownload } from '@rmi/ingest';
import { daysBetween } from '@rmi/rules';
import { type Actor, assertRegionInScope, OutOfScopeError, ValidationError } from '@rmi/service-kit';
import type { PaymentDb } from '../db.js';
import { type ChannelSummaryRow, channelSummaryRows } from './channel-summary-rows.js';
import { SUMMARY_COLUMNS, summaryCells } from './summary-columns.js';

/** Who reads the summaries besides admin (contracts/auth.md). */
export const SUMMARY_READERS = ['county-operator', 'township-operator', 'dashboard'] as const;

/** A summary spans at most a year of days: enough for a collection period, bounded for the answer. */
export const MAX_SUMMARY_DAYS = 366;

export interface SummaryQuery {
  regionCode?: string | undefined;
  from: string;
  to: string;
  format: 'json' | 'csv' | 'xlsx';
}

export type SummaryAnswer =
  | { kind: 'json'; rows: Array<Omit<ChannelSummaryRow, 'channelName'>> }
  | { kind: 'file'; download: Download };

/**
 * Channel summaries (contracts/payments.md "Channel summary"): per day, channel and village, the
 * payments and reversals and their sums, for the county's cross-check against bank statements.
 */
export function createChannelSummariesService(deps: { db: PaymentDb; log: DownloadLog }) {
  const { db, log } = deps;

  return Object.freeze({
    async summary(actor: Actor, query: SummaryQuery): Promise<SummaryAnswer> {
      const span = daysBetween(query.from, query.to);
      if (span < 0 || span >= MAX_SUMMARY_DAYS) {
        throw new ValidationError([
          {
            path: 'querystring.to',
            message:
              span < 0
                ? 'to is before from'
                : `a summary spans at most ${MAX_SUMMARY_DAYS} days (from and to included)`,
          },
        ]);
      }
      const region = query.regionCode ?? actor.regionCode ?? (actor.role === 'admin' ? '' : null);
      if (region === null) throw new OutOfScopeError('Payments of every region');
      if (region !== '') assertRegionInScope(actor, region, `Region ${region}`);
      const rows = await channelSummaryRows(db, { regionPrefix: region, from: query.from, to: query.to });
      if (query.format === 'json') return { kind: 'json', rows: rows.map(({ channelName: _, ...row }) => row) };
      const download = tableDownload(
        query.format,
        {
          fileName: `channel-summary-${region || 'all'}-${query.from}-${query.to}`,
          sheetName: '渠道汇总',
          columns: SUMMARY_COLUMNS,
        },
        rows.map(summaryCells),
        log,
      );
      return { kind: 'file', download };
    },
  });
}
