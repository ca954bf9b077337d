import { createHeaderMatcher } from '@rmi/ingest';

// The columns of a death list (contracts/identity-feeds.md "Deaths"), found by any alias, Chinese
// as health and civil-affairs lists print them or the API's English names.

export const DEATH_COLUMNS = {
  idNumber: ['身份证号码', '身份证号', '证件号码', '公民身份号码', 'idNumber'],
  name: ['姓名', '死者姓名', 'name'],
  diedOn: ['死亡时间', '死亡日期', '死亡时间(日期)', 'diedOn'],
} as const;

export type DeathField = keyof typeof DEATH_COLUMNS;

export const DEATH_HEADER = createHeaderMatcher(DEATH_COLUMNS);

/** A list must name the person and the day. */
export const REQUIRED_DEATH_COLUMNS: readonly DeathField[] = ['idNumber', 'diedOn'];
