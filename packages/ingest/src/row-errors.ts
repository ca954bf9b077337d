// What is wrong with a file or one of its rows, said the same way by every import: the physical
// line (as the uploader's editor numbers it), the column by its field name, a stable code and a
// sentence for the clerk.

export interface RowError {
  line: number;
  /** The field (idNumber, villageCode …), or `row` for the row as a whole. */
  column: string;
  /** A stable code: the API's problem code where the API refuses the same thing (NOT_ELIGIBLE …). */
  code: string;
  message: string;
}

/**
 * One reason of a row as text, `column: message [CODE]`, the form rejection lists store and the
 * rejections download shows; parseRowError reads it back.
 */
export const formatRowError = (e: Omit<RowError, 'line'>): string => `${e.column}: ${e.message} [${e.code}]`;

const FORMATTED = /^(?<column>[^:\s]+): (?<message>.*) \[(?<code>[A-Z][A-Z0-9_]*)\]$/s;

/** A reason written by formatRowError, taken apart; undefined for text in another form. */
export function parseRowError(line: number, text: string): RowError | undefined {
  const m = FORMATTED.exec(text)?.groups;
  return m ? { line, column: m.column as string, code: m.code as string, message: m.message as string } : undefined;
}

export type FileProblemCode = 'IMPORT_FILE_INVALID' | 'IMPORT_TOO_LARGE';

export interface FileProblemError {
  line?: number;
  /** The field a header problem is about. */
  path?: string;
  message: string;
}

/**
 * A file refused before any row is looked at (no header, a required column missing, broken CSV, a
 * row with more cells than the header), or past a size bound (IMPORT_TOO_LARGE). Nothing of it is
 * applied.
 */
export class FileProblem extends Error {
  constructor(
    message: string,
    readonly errors: FileProblemError[],
    readonly code: FileProblemCode = 'IMPORT_FILE_INVALID',
  ) {
    super(message);
    this.name = 'FileProblem';
  }
}
