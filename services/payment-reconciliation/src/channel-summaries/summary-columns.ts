import type { XlsxColumn } from '@rmi/ingest';
import type { ChannelSummaryRow } from './channel-summary-rows.js';

/** The summary as a county keeps it beside the bank statements: Chinese headers, amounts in yuan. */
export const SUMMARY_COLUMNS: readonly XlsxColumn[] = [
  { header: '日期', type: 'text', width: 12 },
  { header: '渠道代码', type: 'text', width: 24 },
  { header: '渠道', width: 24 },
  { header: '村(社区)代码', type: 'text', width: 16 },
  { header: '缴费笔数', type: 'number' },
  { header: '缴费金额(元)', type: 'number', width: 16 },
  { header: '冲正笔数', type: 'number' },
  { header: '冲正金额(元)', type: 'number', width: 16 },
];

/**
 * Fen as yuan for a cell. An integer over 100 is the double nearest the two-decimal amount, which
 * prints as exactly that amount.
 */
const yuan = (fen: number) => fen / 100;

/** One row in SUMMARY_COLUMNS order. */
export function summaryCells(r: ChannelSummaryRow): unknown[] {
  return [
    r.day,
    r.channel,
    r.channelName ?? r.channel,
    r.villageCode ?? '',
    r.payments,
    yuan(r.paymentsFen),
    r.reversals,
    yuan(r.reversalsFen),
  ];
}
