import type { PaymentImportAnswer, PaymentImportCounts, PaymentRowError } from '@rmi/contracts';
import type { ImportRow } from './imports.repository.js';

export const IMPORTS_PATH = '/v1/payment-imports';

/** An import's answer with its HTTP status (201 applied, 200 unchanged, dry run or in progress, 422 rejected). */
export interface ImportOutcome {
  httpStatus: 200 | 201 | 422;
  answer: PaymentImportAnswer;
}

export const ZERO_COUNTS: PaymentImportCounts = {
  new: 0,
  reversals: 0,
  unchanged: 0,
  duplicateRows: 0,
  parked: 0,
  errors: 0,
};

export function httpStatusOf(status: PaymentImportAnswer['status']): ImportOutcome['httpStatus'] {
  if (status === 'applied') return 201;
  if (status === 'rejected') return 422;
  return 200;
}

export function toAnswer(row: ImportRow, errors: PaymentRowError[]): PaymentImportAnswer {
  return {
    importId: row.id,
    source: row.source,
    year: row.year,
    status: row.status,
    rows: row.rows,
    counts: { ...ZERO_COUNTS, ...(row.counts as Partial<PaymentImportCounts>) },
    errors,
    errorsUrl: `${IMPORTS_PATH}/${row.id}/errors`,
    failure: row.status === 'failed' || row.status === 'rejected' ? (row.failure ?? null) : null,
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}

export function toOutcome(row: ImportRow, errors: PaymentRowError[]): ImportOutcome {
  return { httpStatus: httpStatusOf(row.status), answer: toAnswer(row, errors) };
}
