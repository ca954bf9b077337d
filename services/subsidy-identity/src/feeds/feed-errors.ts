import { FileProblem, type FileProblemError, FileTooLarge } from '@rmi/ingest';
import { AppError, ConflictError, UnprocessableError } from '@rmi/service-kit';
import { REQUIRED_COLUMN_NAMES, type RequiredColumn } from './feed-columns.js';

// The problems of a batch as a whole (contracts/identity-feeds.md "Batch problems"), each with
// its stable code. Problems of single rows are row errors instead and never end up here.

/** The header lacks columns the feed needs (or names one twice). */
export class HeaderProblem extends Error {
  constructor(
    readonly missing: RequiredColumn[],
    readonly header: readonly string[],
    readonly line: number | undefined,
    readonly errors: FileProblemError[] = [],
  ) {
    super('the header does not name the columns a feed needs');
    this.name = 'HeaderProblem';
  }
}

const fieldErrors = (errors: FileProblemError[]) =>
  errors.map((e) => ({
    path: e.path ?? (e.line === undefined ? 'file' : `line:${e.line}`),
    message: e.message,
    ...(e.line === undefined ? {} : { line: e.line }),
  }));

/** A refusal of the file as the problem the client is answered with; anything else is returned as it is. */
export function batchProblem(err: unknown): unknown {
  if (err instanceof HeaderProblem) {
    const at = err.line === undefined ? '' : ` (line ${err.line})`;
    if (err.missing.length === 0) {
      return new UnprocessableError(
        'DUPLICATE_COLUMNS',
        `The header${at} names a column more than once; nothing was applied.`,
        { header: err.header, errors: fieldErrors(err.errors) },
      );
    }
    const names = err.missing.map((m) => REQUIRED_COLUMN_NAMES[m]);
    return new UnprocessableError(
      'MISSING_COLUMNS',
      `The header${at} has no ${names.join(', ')} column; nothing was applied.`,
      {
        missing: names,
        header: err.header,
        ...(err.line === undefined ? {} : { headerLine: err.line }),
        errors: err.missing.map((m) => ({ path: m, message: `no ${REQUIRED_COLUMN_NAMES[m]} column` })),
      },
    );
  }
  if (err instanceof FileTooLarge) {
    return new AppError(
      413,
      'BODY_TOO_LARGE',
      `The file is larger than ${err.maxBytes} bytes (FEED_MAX_BYTES); nothing was applied.`,
    );
  }
  if (err instanceof FileProblem) {
    if (err.code === 'IMPORT_TOO_LARGE') {
      return new AppError(413, 'BODY_TOO_LARGE', err.message, { errors: fieldErrors(err.errors) });
    }
    return new AppError(400, 'FILE_UNREADABLE', err.message, { errors: fieldErrors(err.errors) });
  }
  return err;
}

export const batchHeld = (heldId: string) =>
  new ConflictError(
    'BATCH_HELD',
    `Batch ${heldId} of this department is held by the truncated-file guard: confirm or discard it first.`,
    { heldBatchId: heldId, confirmUrl: `/v1/feeds/batches/${heldId}/confirm` },
  );
