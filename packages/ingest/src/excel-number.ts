// A long number typed into a spreadsheet cell formatted "General" is kept by Excel as a floating
// point number: an 18-digit ID number keeps 15 significant digits, and a CSV saved from it holds
// what the cell shows, `5.00230E+17`. The digits are gone; the only fix is in the spreadsheet
// (format the column as text and type the numbers again). Readers report such a cell as what it is.

/** A cell as Excel shows a large number in scientific notation (5.00230E+17, 1.1E+11). */
export const EXCEL_NUMBER_PATTERN = '^\\s*[+-]?[0-9](\\.[0-9]+)?[eE]\\+[0-9]+\\s*$';
const EXCEL_NUMBER = new RegExp(EXCEL_NUMBER_PATTERN);

export const isExcelShortened = (cell: string): boolean => EXCEL_NUMBER.test(cell);

/** Beyond 15 significant digits a spreadsheet number (an IEEE double as Excel keeps it) is rounded. */
const EXACT_DIGITS_LIMIT = 1e15;

/**
 * A number from a workbook or JSON as text: as written when it is exact, else as Excel shows it
 * (`5.00230E+17`), so a reader downstream knows the digits are lost instead of taking the rounded
 * ones for an ID number.
 */
export function numberText(written: string): string {
  const value = Number(written);
  if (!Number.isFinite(value) || Math.abs(value) < EXACT_DIGITS_LIMIT) return written.trim();
  return value.toExponential(5).toUpperCase();
}

export const EXCEL_NUMBER_MESSAGE =
  'a spreadsheet kept it as a number (like 5.00230E+17) and lost digits; format the column as text and type it again';
