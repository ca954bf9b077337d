import { isExcelShortened } from '@rmi/ingest';
import { isCivilDate } from '@rmi/rules';

// What one cell of an export means, read the way the exports are written: Excel's text guard (a
// leading `'`) dropped, 是/否 and Y/N flags, 一档/二档, instants with or without a time of day, a
// region code. Amounts are read by rules' parseYuan and ID numbers by rules' parseIdNumber; the
// rest is decided here, once, for every import.

/** A cell as its value: Excel's text guard `'` dropped (a TAB in front is trimmed by the reader already). */
export function cellText(cell: string): string {
  return cell.charCodeAt(0) === 0x27 ? cell.slice(1).trim() : cell;
}

const YES = new Set(['是', 'y', 'yes', '1', 'true', '冲正', '作废', '已冲正', '已作废', '红冲']);
const NO = new Set(['否', 'n', 'no', '0', 'false', '', '正常', '有效', '未作废', '未冲正']);

/** A reversal flag (是/否, Y/N, 1/0): true, false, or undefined when it is neither. */
export function flagOf(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (YES.has(t)) return true;
  if (NO.has(t)) return false;
  return undefined;
}

/** A tier as written (1, 2, 一档, 二档, 一, 二, 第一档): 1 or 2, null when empty, undefined when neither. */
export function tierOf(text: string): 1 | 2 | null | undefined {
  if (text === '') return null;
  const t = text.replace(/^第/, '').replace(/档(次)?$/, '');
  if (t === '1' || t === '一' || t === '壹') return 1;
  if (t === '2' || t === '二' || t === '贰') return 2;
  return undefined;
}

const DATE_TIME =
  /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:(?:T|\s+)(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?)?(?:Z|[+-]08:?00)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2})(\d{2})(\d{2})?)?$/;

const two = (n: string | undefined) => (n ?? '0').padStart(2, '0');

/**
 * When a row was paid, as an export writes it (2025-01-05 10:23:45, 2025/1/5 10:23, 20250105102345,
 * 2025年1月5日, a date alone): the Asia/Shanghai instant as `YYYY-MM-DDTHH:MM:SS+08:00`, and
 * whether it had a time of day (a date alone is its midnight, and compared by its day). Undefined
 * when it is no instant. An offset other than +08:00 is not one the exports carry: refused.
 */
export function paidInstantOf(text: string): { iso: string; precise: boolean } | undefined {
  const m = DATE_TIME.exec(text) ?? COMPACT.exec(text);
  if (!m) return undefined;
  const date = `${m[1]}-${two(m[2])}-${two(m[3])}`;
  if (!isCivilDate(date)) return undefined;
  const precise = m[4] !== undefined;
  const hours = Number(m[4] ?? 0);
  const minutes = Number(m[5] ?? 0);
  const seconds = Number(m[6] ?? 0);
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const time = `${two(String(hours))}:${two(String(minutes))}:${two(String(seconds))}`;
  // A trailing Z is UTC: the day it names in Shanghai is computed, not assumed.
  if (text.endsWith('Z')) {
    const instant = new Date(`${date}T${time}Z`);
    const local = new Date(instant.getTime() + 8 * 3_600_000).toISOString();
    return { iso: `${local.slice(0, 19)}+08:00`, precise: true };
  }
  return { iso: `${date}T${time}+08:00`, precise };
}

/** A civil date as exports write it (2025-01-01, 2025/1/1, 20250101, 2025年1月1日; a time after it ignored), or ''. */
export function civilDateOf(text: string): string {
  const found = paidInstantOf(text);
  return found ? found.iso.slice(0, 10) : '';
}

/** Characters a voucher may hold (contracts' VoucherNumberSchema): printable ASCII without spaces. */
const VOUCHER = /^[\x21-\x7e]{1,100}$/;

/** Why a voucher cell is none, or undefined when it is one. */
export function voucherProblem(text: string): string | undefined {
  if (VOUCHER.test(text)) return isExcelShortened(text) ? SHORTENED : undefined;
  if (isExcelShortened(text)) return SHORTENED;
  return `"${text.slice(0, 120)}" is not a voucher number (at most 100 printable characters, no spaces)`;
}
const SHORTENED =
  'a spreadsheet kept the voucher number as a number (like 3.20250E+20) and lost digits; format the column as text and export again';

/** A region code in a 统筹地区 / 参保地 cell (a county, township or village: 6, 9 or 12 digits), or ''. */
export function regionCodeOf(text: string): string {
  return /^\d{6}(\d{3}){0,2}$/.test(text) ? text : '';
}
