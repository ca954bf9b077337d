import { type DerivedColumns, EXCEL_NUMBER_MESSAGE, isExcelShortened, type RepeatFinder } from '@rmi/ingest';
import { parseIdNumber } from '@rmi/rules';

// What `rules` says of each row's ID numbers, computed as the row streams past and staged beside
// its cells: the database never derives sex, birth date or validity from an ID number itself.

/** The columns the registration staging table carries in front of the file's cells. */
export const FACT_COLUMNS = [
  'id',
  'id_code',
  'id_message',
  'id_sex',
  'id_birth',
  'guardian',
  'guardian_code',
  'guardian_message',
] as const;

/**
 * `[normalised, code, message, sex, birth]` of one ID number cell: the 18-character number with
 * its sex and birth date when rules accept it, else the refusal (VALIDATION_FAILED with rules'
 * words, or EXCEL_NUMBER when a spreadsheet turned it into a number and lost digits). An empty
 * cell is all blanks when `optional`.
 */
export function idFacts(raw: string, today: string, optional = false): [string, string, string, string, string] {
  if (optional && raw.trim() === '') return ['', '', '', '', ''];
  const parsed = parseIdNumber(raw, today);
  if (parsed.ok) return [parsed.idNumber, '', '', parsed.sex, parsed.birthDate];
  if (isExcelShortened(raw)) return ['', 'EXCEL_NUMBER', EXCEL_NUMBER_MESSAGE, '', ''];
  return ['', 'VALIDATION_FAILED', parsed.message, '', ''];
}

/**
 * The derived columns of a registration upload, given where its ID number and guardian columns
 * are. `onVillage` sees each row's village cell, so the villages of a file are known (for their
 * policies) without reading the staged rows again; `repeats` sees each valid ID number, so the
 * check statement looks for duplicates only among those seen twice.
 */
export function registrationFacts(
  columns: { idNumber?: number; guardianIdNumber?: number; villageCode?: number },
  today: string,
  onVillage: (village: string) => void,
  repeats: RepeatFinder,
): DerivedColumns {
  // One array for every row: a million rows should not make a million arrays for the collector.
  const facts: string[] = new Array(FACT_COLUMNS.length).fill('');
  return {
    names: FACT_COLUMNS,
    compute(cell) {
      if (columns.villageCode !== undefined) onVillage(cell(columns.villageCode));
      const id = idFacts(cell(columns.idNumber), today);
      if (id[0]) repeats.see(id[0]);
      for (let i = 0; i < 5; i++) facts[i] = id[i] as string;
      if (columns.guardianIdNumber === undefined) return facts;
      const guardian = idFacts(cell(columns.guardianIdNumber), today, true);
      for (let i = 0; i < 3; i++) facts[5 + i] = guardian[i] as string;
      return facts;
    },
  };
}
