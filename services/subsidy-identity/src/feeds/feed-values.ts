import { identityType, isCivilDate, resolveIdentities } from '@rmi/rules';
import { ACTION_VALUES, type FeedAction, identityOfGrade } from './feed-columns.js';

// What one distinct cell value of a list means, decided once for the whole file: the identity
// codes of a label (rules' resolveIdentities, a group label standing for several), a date, a
// delta's action. Each answer is a value or the row error every row carrying it gets.

export interface CellProblem {
  column: string;
  code: string;
  message: string;
}

/** The identity codes of a row's identity cell (or, when it is empty, its disability grade). */
export function identityCodes(
  labelCell: string,
  gradeCell: string,
  department: string,
): { codes: string[]; problem?: CellProblem } {
  const label = labelCell.trim();
  const grade = gradeCell.trim();
  if (label === '' && grade === '') {
    return { codes: [], problem: { column: 'identity', code: 'MISSING_FIELD', message: 'required' } };
  }
  let resolvedFrom = label;
  if (label === '') {
    const code = identityOfGrade(grade);
    if (!code) {
      return {
        codes: [],
        problem: {
          column: 'disabilityGrade',
          code: 'UNKNOWN_IDENTITY',
          message: `"${grade}" is not a disability grade (一级 … 四级)`,
        },
      };
    }
    resolvedFrom = code;
  }
  const { codes, unknown } = resolveIdentities([resolvedFrom]);
  if (unknown.length > 0) {
    return {
      codes: [],
      problem: {
        column: 'identity',
        code: 'UNKNOWN_IDENTITY',
        message: `"${label}" is not an identity label, code or Chongqing number of identity-types.md`,
      },
    };
  }
  const foreign = codes.filter((c) => identityType(c)?.department !== department);
  if (foreign.length > 0) {
    const by = [...new Set(foreign.map((c) => identityType(c)?.department))].join(', ');
    return {
      codes: [],
      problem: {
        column: 'identity',
        code: 'IDENTITY_NOT_OF_DEPARTMENT',
        message: `"${label || grade}" (${foreign.join(', ')}) is certified by ${by}, not ${department}`,
      },
    };
  }
  return { codes };
}

/**
 * A date as lists write it (2024-03-01, 2024/3/1, 2024.3.1, 20240301, 2024年3月1日, a month alone
 * for its first day; a time after it ignored) → YYYY-MM-DD, or '' when it is none.
 */
export function civilDateOf(cell: string): string {
  const text = cell.trim().replace(/[T\s].*$/, '');
  const m = /^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?|月?)$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return '';
  const date = `${m[1]}-${(m[2] as string).padStart(2, '0')}-${(m[3] ?? '1').padStart(2, '0')}`;
  return isCivilDate(date) ? date : '';
}

/** A delta row's 操作: its action, or why it has none. */
export function actionOf(cell: string): { action?: FeedAction; problem?: CellProblem } {
  const text = cell.trim();
  if (text === '') {
    return {
      problem: {
        column: 'action',
        code: 'MISSING_FIELD',
        message: 'required in a delta: 新增, 退出 or 变更 (add, remove, change)',
      },
    };
  }
  const action = ACTION_VALUES[text.toLowerCase()];
  if (action) return { action };
  return {
    problem: {
      column: 'action',
      code: 'UNKNOWN_ACTION',
      message: `"${text}" is not 新增, 退出 or 变更 (add, remove, change)`,
    },
  };
}
