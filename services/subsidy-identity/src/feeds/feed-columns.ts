import { createHeaderMatcher } from '@rmi/ingest';

// The columns of a department's list, found by any of their aliases (contracts/identity-feeds.md):
// Chinese as the departments' spreadsheets print them, or the API's English names. The header
// matcher of @rmi/ingest folds brackets, spaces, case and a trailing note (身份证号码(18位)).

export const FEED_COLUMNS = {
  idNumber: ['身份证号码', '身份证号', '证件号码', '公民身份号码', 'idNumber'],
  name: ['姓名', '成员姓名', 'name'],
  identity: ['身份类别', '人员类别', '救助类别', '监测对象类型', 'identity'],
  // Disability lists name a grade instead of an identity (一级/二级 → severe-disability, 三级/四级 → disability-card).
  disabilityGrade: ['残疾等级', 'disabilityGrade'],
  township: ['镇（街）', '镇(街道)', '乡镇', '乡镇（街道）', 'township'],
  village: ['村（居）', '所在村', '所属村', '村(社区)', 'village', 'villageCode'],
  certifiedOn: ['纳入时间', '认定日期', '纳入资助时间', '发证日期', 'certifiedOn'],
  endedOn: ['退出时间', 'endedOn'],
  action: ['操作', 'action'],
} as const;

export type FeedField = keyof typeof FEED_COLUMNS;

export const FEED_HEADER = createHeaderMatcher(FEED_COLUMNS);

/** What a missing column is called in MISSING_COLUMNS: the three the contract names, and a delta's action. */
export const REQUIRED_COLUMN_NAMES = {
  idNumber: 'ID',
  identity: 'identity',
  village: 'village',
  action: 'action',
} as const;
export type RequiredColumn = keyof typeof REQUIRED_COLUMN_NAMES;

export type FeedAction = 'add' | 'remove' | 'change';

/** A delta row's 操作, in the words departments use. */
export const ACTION_VALUES: Readonly<Record<string, FeedAction>> = {
  add: 'add',
  新增: 'add',
  增加: 'add',
  纳入: 'add',
  remove: 'remove',
  退出: 'remove',
  减少: 'remove',
  删除: 'remove',
  change: 'change',
  变更: 'change',
  修改: 'change',
};

/**
 * A disability grade as lists write it (一级, 二级, 1级, 一, 2 …) → its identity: grades one and two
 * are severe (城乡重度（一、二级）残疾人员), three and four hold the second-generation card.
 */
export function identityOfGrade(cell: string): string | undefined {
  const grade = cell.replace(/[残疾等级\s]/g, '');
  return GRADES[grade];
}
const GRADES: Readonly<Record<string, string>> = Object.fromEntries(
  [
    ['一', '1', '壹', 'I', 'severe-disability'],
    ['二', '2', '贰', 'II', 'severe-disability'],
    ['三', '3', '叁', 'III', 'disability-card'],
    ['四', '4', '肆', 'IV', 'disability-card'],
  ].flatMap((names) => {
    const code = names[names.length - 1] as string;
    return names.slice(0, -1).map((n) => [n, code]);
  }),
);
