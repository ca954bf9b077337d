// Civil dates (`YYYY-MM-DD`, Asia/Shanghai calendar) as plain strings. Arithmetic goes through
// Date.UTC so that no time zone or daylight-saving rule of the host can shift a day.

const DAY_MS = 86_400_000;
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export type CivilDate = string;

function parts(date: CivilDate): [number, number, number] {
  const m = PATTERN.exec(date);
  if (!m) throw new RangeError(`not a civil date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function isCivilDate(value: string): boolean {
  // Asked at the edge of the services, where a value said to be a string may be anything.
  if (typeof value !== 'string') return false;
  const m = PATTERN.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

function toDayNumber(date: CivilDate): number {
  const [y, m, d] = parts(date);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function fromDayNumber(day: number): CivilDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: CivilDate, days: number): CivilDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CivilDate, to: CivilDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Same day of the month `months` later; the last day of that month when it is shorter
 * (contracts/quote.md: "N months").
 */
export function addMonths(date: CivilDate, months: number): CivilDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const day = Math.min(d, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function firstOfNextMonth(date: CivilDate): CivilDate {
  return addMonths(`${date.slice(0, 8)}01`, 1);
}

export function yearOf(date: CivilDate): number {
  return parts(date)[0];
}

export function dayOfMonth(date: CivilDate): number {
  return parts(date)[2];
}

export function maxDate(a: CivilDate, b: CivilDate): CivilDate {
  return a >= b ? a : b;
}

const SHANGHAI_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * The Asia/Shanghai civil date of an instant, whatever the server's own time zone. Pure: callers
 * pass the instant (`new Date()` for today), so rules never read the clock themselves.
 */
export function shanghaiDateOf(instant: Date): CivilDate {
  return SHANGHAI_DAY.format(instant);
}
