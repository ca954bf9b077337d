import { createHeaderMatcher } from '@rmi/ingest';

// The columns of a registration file. County staff keep their own spreadsheets: each field is
// recognised by any of its aliases (Chinese as the notices and the platform print them, or the
// API's English names) through the header matcher of @rmi/ingest, which folds full-width and
// half-width brackets, spaces, underscores and case.

export const REGISTRATION_COLUMNS = {
  idNumber: ['身份证号', '身份证号码', '公民身份号码', '证件号码', 'idNumber'],
  name: ['姓名', 'name'],
  villageCode: [
    '村(社区)代码',
    '村代码',
    '村社区代码',
    '户籍地代码',
    '行政区划代码',
    'villageCode',
    'hukouRegionCode',
    'regionCode',
  ],
  category: ['人员类别', '参保类别', '参保人员类别', 'category'],
  tier: ['档次', '缴费档次', '参保档次', 'tier'],
  phone: ['联系电话', '手机号', '手机号码', '电话', 'phone'],
  sex: ['性别', 'sex'],
  birthDate: ['出生日期', 'birthDate'],
  school: ['学校', '就读学校', 'school'],
  householdNumber: ['户号', '户口簿户号', 'householdNumber'],
  relation: ['与户主关系', '关系', 'relation'],
  guardianIdNumber: ['监护人身份证号', '监护人身份证号码', 'guardianIdNumber'],
} as const;

export type RegistrationField = keyof typeof REGISTRATION_COLUMNS;

export const REQUIRED_FIELDS: readonly RegistrationField[] = ['idNumber', 'name'];

export const REGISTRATION_HEADER = createHeaderMatcher(REGISTRATION_COLUMNS);

/** Values accepted for the category column, mapped to the API's person categories. */
export const CATEGORY_VALUES: Record<string, string> = {
  resident: 'resident',
  城乡居民: 'resident',
  居民: 'resident',
  student: 'student',
  学生: 'student',
  中小学生: 'student',
  'college-student': 'college-student',
  大学生: 'college-student',
  在校大学生: 'college-student',
  newborn: 'newborn',
  新生儿: 'newborn',
  'residence-permit': 'residence-permit',
  居住证: 'residence-permit',
  持居住证人员: 'residence-permit',
  'foreign-permanent-resident': 'foreign-permanent-resident',
  外国人永久居留: 'foreign-permanent-resident',
  'hk-macau-taiwan': 'hk-macau-taiwan',
  港澳台: 'hk-macau-taiwan',
  港澳台居民: 'hk-macau-taiwan',
};

export const TIER_VALUES: Record<string, number> = { '1': 1, 一档: 1, 一: 1, '2': 2, 二档: 2, 二: 2 };
export const RELATION_VALUES: Record<string, string> = {
  head: 'head',
  户主: 'head',
  本人: 'head',
  spouse: 'spouse',
  配偶: 'spouse',
  妻: 'spouse',
  夫: 'spouse',
  child: 'child',
  子: 'child',
  女: 'child',
  儿子: 'child',
  女儿: 'child',
  子女: 'child',
  长子: 'child',
  次子: 'child',
  长女: 'child',
  次女: 'child',
  parent: 'parent',
  父亲: 'parent',
  母亲: 'parent',
  父母: 'parent',
  grandchild: 'grandchild',
  孙子: 'grandchild',
  孙女: 'grandchild',
  孙子女: 'grandchild',
  sibling: 'sibling',
  兄弟姐妹: 'sibling',
  兄: 'sibling',
  弟: 'sibling',
  姐: 'sibling',
  妹: 'sibling',
  other: 'other',
  其他: 'other',
};

export const SEX_VALUES: Record<string, string> = { male: 'male', 男: 'male', female: 'female', 女: 'female' };
