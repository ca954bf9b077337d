import { type DerivedColumns, EXCEL_NUMBER_MESSAGE, isExcelShortened } from '@rmi/ingest';
import { parseIdNumber } from '@rmi/rules';
import { civilDateOf } from '../feeds/feed-row-facts.js';
import type { DeathField } from './death-columns.js';

// What rules say of each row of a death list, computed as it streams past and staged in front of
// its cells: the normalised ID number, the day of death, the name, and the row's problems.

export const DEATH_FACT_COLUMNS = ['id', 'died', 'nm', 'errs'] as const;

const NON_ASCII = /[^\x20-\x7e]/;
/** A day, not a month: 2025-03-01, 2025/3/1, 2025.3.1, 20250301, 2025年3月1日 (a time after it is ignored). */
const WITH_DAY = /^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8})([T\s].*)?$/;

/** An ID number cell as typed: Excel's leading `'` dropped, full-width digits made ASCII. */
function idText(cell: string): string {
  const text = cell.startsWith("'") ? cell.slice(1).trim() : cell;
  return NON_ASCII.test(text) ? text.normalize('NFKC').replace(/\s+/g, '') : text;
}

/** The derived columns of a death list; one array serves every row. */
export function deathFacts(columns: Partial<Record<DeathField, number>>, today: string): DerivedColumns {
  const facts: string[] = new Array(DEATH_FACT_COLUMNS.length).fill('');
  return {
    names: DEATH_FACT_COLUMNS,
    compute(cell) {
      const errors: { column: string; code: string; message: string }[] = [];
      const fail = (column: string, code: string, message: string) => errors.push({ column, code, message });

      const rawId = idText(cell(columns.idNumber));
      let id = '';
      let birth = '';
      if (rawId === '') fail('idNumber', 'MISSING_FIELD', 'required');
      else {
        const parsed = parseIdNumber(rawId, today);
        if (parsed.ok) {
          id = parsed.idNumber;
          birth = parsed.birthDate;
        } else if (isExcelShortened(rawId)) fail('idNumber', 'ID_NUMBER_MANGLED', EXCEL_NUMBER_MESSAGE);
        else fail('idNumber', 'INVALID_ID_NUMBER', parsed.message);
      }

      const diedCell = cell(columns.diedOn);
      const died = WITH_DAY.test(diedCell) ? civilDateOf(diedCell) : '';
      if (diedCell === '') fail('diedOn', 'MISSING_FIELD', 'required');
      else if (died === '') fail('diedOn', 'INVALID_DATE', `"${diedCell}" is not a day (YYYY-MM-DD)`);
      else if (died > today) fail('diedOn', 'INVALID_DATE', `${died} is after today (${today})`);
      else if (birth !== '' && died < birth)
        fail('diedOn', 'INVALID_DATE', `${died} is before the birth date ${birth}`);

      facts[0] = id;
      facts[1] = died;
      facts[2] = cell(columns.name);
      facts[3] = errors.length > 0 ? JSON.stringify(errors) : '';
      return facts;
    },
  };
}
