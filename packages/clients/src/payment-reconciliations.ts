import {
  type CreateReconciliationBody,
  type ReconciliationClassSchema,
  ReconciliationItemPageSchema,
  ReconciliationRunSchema,
  RunComparisonSchema,
} from '@rmi/contracts';
import type { z } from 'zod';
import { type CallOptions, callOptions } from './common.js';
import { errorFromResponse, type HttpClient } from './http-client.js';

export type ReconciliationClass = z.infer<typeof ReconciliationClassSchema>;
export type ReconciliationRunAnswer = z.infer<typeof ReconciliationRunSchema>;
export type ReconciliationItemPage = z.infer<typeof ReconciliationItemPageSchema>;
export type RunComparison = z.infer<typeof RunComparisonSchema>;

/** A run's items as a file: CSV in UTF-8 with a BOM, or XLSX, with Chinese headers. */
export interface ReconciliationDownload {
  contentType: string;
  bytes: Buffer;
}

const runPath = (runId: string) => `/v1/reconciliations/${encodeURIComponent(runId)}`;

/** payment-reconciliation: reconciliation runs, their items and comparisons. */
export function reconciliationMethods(http: HttpClient) {
  return {
    /** Reconciles a region's year (201); runs of one county and year queue behind each other. */
    startReconciliation: (body: CreateReconciliationBody, call?: CallOptions): Promise<ReconciliationRunAnswer> =>
      http.request({
        method: 'POST',
        path: '/v1/reconciliations',
        body,
        schema: ReconciliationRunSchema,
        ...callOptions(call),
      }),

    getReconciliation: (runId: string, call?: CallOptions): Promise<ReconciliationRunAnswer> =>
      http.request({
        method: 'GET',
        path: runPath(runId),
        route: '/v1/reconciliations/:runId',
        schema: ReconciliationRunSchema,
        ...callOptions(call),
      }),

    /** One page of a run's person-years in ID-number order; pass `next` back as `after`. */
    reconciliationItems: (
      runId: string,
      query: { class?: ReconciliationClass; after?: string; limit?: number } = {},
      call?: CallOptions,
    ): Promise<ReconciliationItemPage> =>
      http.request({
        method: 'GET',
        path: `${runPath(runId)}/items`,
        route: '/v1/reconciliations/:runId/items',
        query: { ...query, format: 'json' },
        schema: ReconciliationItemPageSchema,
        ...callOptions(call),
      }),

    /** Every person-year of the run (of `class` when given) as a file. */
    downloadReconciliationItems: async (
      runId: string,
      format: 'csv' | 'xlsx',
      query: { class?: ReconciliationClass } = {},
      call?: CallOptions,
    ): Promise<ReconciliationDownload> => {
      const res = await http.send({
        method: 'GET',
        path: `${runPath(runId)}/items`,
        route: '/v1/reconciliations/:runId/items',
        query: { ...query, format },
        ...callOptions(call),
      });
      if (res.status !== 200) throw errorFromResponse(res);
      return { contentType: res.contentType, bytes: res.bytes };
    },

    /** The person-years whose class changed from run `a` to run `b` (one region and year), a page at a time. */
    compareReconciliations: (
      a: string,
      b: string,
      query: { after?: string; limit?: number } = {},
      call?: CallOptions,
    ): Promise<RunComparison> =>
      http.request({
        method: 'GET',
        path: `${runPath(a)}/compare/${encodeURIComponent(b)}`,
        route: '/v1/reconciliations/:a/compare/:b',
        query,
        schema: RunComparisonSchema,
        ...callOptions(call),
      }),
  };
}
