import { FileProblem, type FileProblemError, FileTooLarge } from '@rmi/ingest';
import { AppError, UnprocessableError } from '@rmi/service-kit';
import { COLUMN_NAMES, type PaymentField } from './import-columns.js';

// The problems of an import as a whole, each with its stable code. Problems of single rows are
// row errors instead (import_errors) and never end up here.

/** The header lacks columns the export needs (or names one twice). */
export class HeaderProblem extends Error {
  constructor(
    readonly missing: PaymentField[],
    readonly header: readonly string[],
    readonly line: number | undefined,
    readonly errors: FileProblemError[] = [],
  ) {
    super('the header does not name the columns an export needs');
    this.name = 'HeaderProblem';
  }
}

/** The request names a channel GET /v1/channels does not list. */
export const unknownChannel = (channel: string) =>
  new UnprocessableError('UNKNOWN_CHANNEL', `"${channel}" is not a channel of GET /v1/channels; nothing was read.`, {
    errors: [{ path: 'channel', message: 'not a channel code' }],
  });

/** The database failed the import midway (a timeout, a lost connection): nothing of it was recorded. */
export const importFailed = (importId: string) =>
  new AppError(500, 'IMPORT_FAILED', 'The import failed; nothing of it was recorded. Send the file again.', {
    importId,
  });

const fieldErrors = (errors: FileProblemError[]) =>
  errors.map((e) => ({
    path: e.path ?? (e.line === undefined ? 'file' : `line:${e.line}`),
    message: e.message,
    ...(e.line === undefined ? {} : { line: e.line }),
  }));

/** A refusal of the file as the problem the client is answered with; anything else is returned as it is. */
export function importProblem(err: unknown, importId: string): unknown {
  if (err instanceof HeaderProblem) {
    const at = err.line === undefined ? '' : ` (line ${err.line})`;
    if (err.missing.length === 0) {
      return new UnprocessableError(
        'DUPLICATE_COLUMNS',
        `The header${at} names a column more than once; nothing was recorded.`,
        { importId, header: err.header, errors: fieldErrors(err.errors) },
      );
    }
    const names = err.missing.map((m) => COLUMN_NAMES[m]);
    return new UnprocessableError(
      'MISSING_COLUMNS',
      `The header${at} has no ${names.join('; ')} column; nothing was recorded.`,
      {
        importId,
        missing: err.missing,
        header: err.header,
        ...(err.line === undefined ? {} : { headerLine: err.line }),
        errors: err.missing.map((m) => ({ path: m, message: `no ${COLUMN_NAMES[m]} column` })),
      },
    );
  }
  if (err instanceof FileTooLarge) {
    return new AppError(
      413,
      'BODY_TOO_LARGE',
      `The file is larger than ${err.maxBytes} bytes (IMPORT_MAX_BYTES); nothing was recorded.`,
      { importId },
    );
  }
  if (err instanceof FileProblem) {
    if (err.code === 'IMPORT_TOO_LARGE') {
      return new AppError(413, 'BODY_TOO_LARGE', err.message, { importId, errors: fieldErrors(err.errors) });
    }
    return new AppError(400, 'FILE_UNREADABLE', err.message, { importId, errors: fieldErrors(err.errors) });
  }
  return err;
}

/** Whether `err` refuses the file (answered as it is, import `rejected`), not a failure of ours. */
export const isFileRefusal = (err: unknown) =>
  err instanceof HeaderProblem || err instanceof FileTooLarge || err instanceof FileProblem;
