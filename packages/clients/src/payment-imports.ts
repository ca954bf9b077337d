import type { Readable } from 'node:stream';
import { AssistanceTotalsPageSchema, type PaymentImportAnswer, PaymentImportAnswerSchema } from '@rmi/contracts';
import type { z } from 'zod';
import { type CallOptions, callOptions } from './common.js';
import { errorFromResponse, type HttpClient, parseAnswer, type RawResponse } from './http-client.js';

export type AssistanceTotalsPage = z.infer<typeof AssistanceTotalsPageSchema>;

/** An export as it came: CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX. */
export interface ExportFile {
  data: Uint8Array | string | Readable;
  /** `text/csv` or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`. */
  contentType: string;
}

export interface ImportPaymentsInput {
  source: 'tax' | 'channel' | 'assistance-batch';
  year: number;
  dryRun?: boolean;
  /** `skip` (default): valid rows are recorded, bad rows reported; `reject`: nothing recorded when a row is bad. */
  onRowErrors?: 'skip' | 'reject';
  /** A channel export's channel (default: its 渠道 column). */
  channel?: string;
  fileName?: string;
}

/** A download as the service sent it (CSV in UTF-8 with a BOM). */
export interface ImportErrorsDownload {
  contentType: string;
  bytes: Buffer;
}

const isProblem = (res: RawResponse) => /^application\/problem\+json\b/i.test(res.contentType);

/** payment-reconciliation: importing tax, channel and assistance-batch exports; assistance totals. */
export function paymentImportMethods(http: HttpClient) {
  const importPath = (id: string) => `/v1/payment-imports/${encodeURIComponent(id)}`;
  return {
    /**
     * Imports an export (contracts/payments.md "Importing exports"). Applied (201), unchanged or
     * dry run (200) and rejected (422, onRowErrors=reject) are answers about the import; a problem
     * (FILE_UNREADABLE, MISSING_COLUMNS, UNKNOWN_CHANNEL, BODY_TOO_LARGE, IMPORT_FAILED …) throws.
     * A stream is sent once: the call is never retried.
     */
    importPayments: async (
      file: ExportFile,
      query: ImportPaymentsInput,
      call?: CallOptions,
    ): Promise<PaymentImportAnswer> => {
      const res = await http.send({
        method: 'POST',
        path: '/v1/payment-imports',
        query: { ...query },
        file,
        ...callOptions(call),
      });
      if ((res.status >= 200 && res.status < 300) || (res.status === 422 && !isProblem(res))) {
        return parseAnswer(res, PaymentImportAnswerSchema);
      }
      throw errorFromResponse(res);
    },

    /** An import's progress (`computing`) or outcome, with its first 1000 row errors. */
    getPaymentImport: (id: string, call?: CallOptions): Promise<PaymentImportAnswer> =>
      http.request({
        method: 'GET',
        path: importPath(id),
        route: '/v1/payment-imports/:id',
        schema: PaymentImportAnswerSchema,
        ...callOptions(call),
      }),

    /** Every row error of an import as CSV: line, column, code, message, then the row's cells as sent. */
    downloadImportErrors: async (id: string, call?: CallOptions): Promise<ImportErrorsDownload> => {
      const res = await http.send({
        method: 'GET',
        path: `${importPath(id)}/errors`,
        route: '/v1/payment-imports/:id/errors',
        ...callOptions(call),
      });
      if (res.status !== 200) throw errorFromResponse(res);
      return { contentType: res.contentType, bytes: res.bytes };
    },

    /** What assistance funds paid on each person's behalf in a year, across request batches (keyset pages). */
    assistanceTotals: (
      query: { regionCode: string; year: number; idNumber?: string; after?: string; limit?: number },
      call?: CallOptions,
    ): Promise<AssistanceTotalsPage> =>
      http.request({
        method: 'GET',
        path: '/v1/assistance-totals',
        query,
        schema: AssistanceTotalsPageSchema,
        ...callOptions(call),
      }),
  };
}
