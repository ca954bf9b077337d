import { addDays, type CivilDate, isCivilDate } from './civil-date.js';

/**
 * ISO 8601 weeks of civil dates (Monday to Sunday, week 1 holds the year's first Thursday), named
 * as townships name their weekly reports: `2025-W47`. A week belongs to the year of its Thursday,
 * so 2024-12-30 is in 2025-W01.
 */
export type IsoWeek = string;

const WEEK = /^(\d{4})-W(\d{2})$/;

function utc(date: CivilDate): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** Day of the week, Monday 1 … Sunday 7. */
function isoWeekday(date: CivilDate): number {
  return ((utc(date).getUTCDay() + 6) % 7) + 1;
}

/** The Monday of the week `date` lies in. */
export function mondayOf(date: CivilDate): CivilDate {
  return addDays(date, 1 - isoWeekday(date));
}

/** The ISO week a civil date lies in. */
export function isoWeekOf(date: CivilDate): IsoWeek {
  const thursday = addDays(mondayOf(date), 3);
  // As written, four digits: a year before 1000 keeps its leading zeros (`0400-01-04` is a date).
  const year = thursday.slice(0, 4);
  const firstThursday = addDays(mondayOf(`${year}-01-04`), 3);
  const week = (utc(thursday).getTime() - utc(firstThursday).getTime()) / (7 * 86_400_000) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Monday and Sunday of an ISO week, or undefined when `week` names none (`2025-W54`, `2025-47`). */
export function weekBounds(week: string): { monday: CivilDate; sunday: CivilDate } | undefined {
  const m = WEEK.exec(week);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (n < 1) return undefined;
  const monday = addDays(mondayOf(`${m[1]}-01-04`), (n - 1) * 7);
  if (!isCivilDate(monday) || isoWeekOf(monday) !== week) return undefined;
  // The last week of 9999 ends in a year no date of four digits can name.
  const sunday = addDays(monday, 6);
  return isCivilDate(sunday) ? { monday, sunday } : undefined;
}

/** Whether `week` names an ISO week. */
export function isIsoWeek(week: string): boolean {
  return weekBounds(week) !== undefined;
}

/** The week before (`2025-W01` → `2024-W52`), or undefined when `week` names none. */
export function previousWeek(week: string): IsoWeek | undefined {
  const bounds = weekBounds(week);
  return bounds ? isoWeekOf(addDays(bounds.monday, -7)) : undefined;
}
