import { DEPARTMENT_LABELS, type Department, IDENTITY_TYPES, type PersonCategory } from '@rmi/rules';

// The Chinese names a township's files use for the codes reporting keeps.

export const CATEGORY_LABELS: Readonly<Record<PersonCategory, string>> = {
  resident: '城乡居民',
  student: '中小学生',
  'college-student': '大学生',
  newborn: '新生儿',
  'residence-permit': '持居住证人员',
  'foreign-permanent-resident': '外国人永久居留人员',
  'hk-macau-taiwan': '港澳台居民',
};

/** A division level as the column naming such regions is headed. */
export const LEVEL_LABELS: Readonly<Record<string, string>> = {
  province: '省',
  city: '市',
  county: '区县',
  township: '乡镇（街道）',
  village: '村（社区）',
};

const IDENTITY_LABELS = new Map(IDENTITY_TYPES.map((t) => [t.code, t.labels[0] ?? t.code]));

/** The identity's name as the notices print it; the code itself for one the table lacks. */
export const identityLabel = (code: string): string => IDENTITY_LABELS.get(code) ?? code;
export const departmentLabel = (code: string): string => DEPARTMENT_LABELS[code as Department] ?? code;
export const categoryLabel = (code: string): string => CATEGORY_LABELS[code as PersonCategory] ?? code;
