import {
  CashAlertsAnswerSchema,
  CashDepositAnswerSchema,
  type CashDepositBodySchema,
  CashReceiptAnswerSchema,
  type CashReceiptBodySchema,
  ChannelSummarySchema,
} from '@rmi/contracts';
import type { z } from 'zod';
import { type CallOptions, callOptions } from './common.js';
import { errorFromResponse, type HttpClient } from './http-client.js';
import type { Download } from './subsidy-identity.js';

export type CashReceiptInput = z.input<typeof CashReceiptBodySchema>;
export type CashReceiptAnswer = z.infer<typeof CashReceiptAnswerSchema>;
export type CashDepositInput = z.input<typeof CashDepositBodySchema>;
export type CashDepositAnswer = z.infer<typeof CashDepositAnswerSchema>;
export type CashAlertsAnswer = z.infer<typeof CashAlertsAnswerSchema>;
export type ChannelSummary = z.infer<typeof ChannelSummarySchema>;

export interface ChannelSummaryQuery {
  regionCode?: string;
  /** `YYYY-MM-DD`, included. */
  from: string;
  /** `YYYY-MM-DD`, included; at most 366 days after `from`. */
  to: string;
}

/** payment-reconciliation: cash receipts, deposits and alerts; channel summaries. */
export function cashMethods(http: HttpClient) {
  return {
    /** A cash receipt, also a payment on channel cash; the same receipt again answers the first result. */
    recordCashReceipt: (body: CashReceiptInput, call?: CallOptions): Promise<CashReceiptAnswer> =>
      http.request({
        method: 'POST',
        path: '/v1/cash-receipts',
        body,
        schema: CashReceiptAnswerSchema,
        ...callOptions(call),
      }),

    /** A bank deposit of receipts; the same bank slip again answers the first deposit. */
    recordCashDeposit: (body: CashDepositInput, call?: CallOptions): Promise<CashDepositAnswer> =>
      http.request({
        method: 'POST',
        path: '/v1/cash-deposits',
        body,
        schema: CashDepositAnswerSchema,
        ...callOptions(call),
      }),

    /** Cash held per collector at the end of a day and the double limit (双限) it breaks. */
    cashAlerts: (query: { regionCode?: string; on?: string } = {}, call?: CallOptions): Promise<CashAlertsAnswer> =>
      http.request({
        method: 'GET',
        path: '/v1/cash-alerts',
        query,
        schema: CashAlertsAnswerSchema,
        ...callOptions(call),
      }),

    /** Payments and reversals per day, channel and village, as JSON. */
    channelSummaries: (query: ChannelSummaryQuery, call?: CallOptions): Promise<ChannelSummary> =>
      http.request({
        method: 'GET',
        path: '/v1/channel-summaries',
        query: { ...query, format: 'json' },
        schema: ChannelSummarySchema,
        ...callOptions(call),
      }),

    /** The same summary as a file with Chinese headers (CSV in UTF-8 with a BOM, or XLSX). */
    downloadChannelSummaries: async (
      query: ChannelSummaryQuery,
      format: 'csv' | 'xlsx',
      call?: CallOptions,
    ): Promise<Download> => {
      const res = await http.send({
        method: 'GET',
        path: '/v1/channel-summaries',
        query: { ...query, format },
        ...callOptions(call),
      });
      if (res.status !== 200) throw errorFromResponse(res);
      return { contentType: res.contentType, bytes: res.bytes };
    },
  };
}
