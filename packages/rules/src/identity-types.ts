// The identity codes of contracts/identity-types.md. The table there is fixed: add, never rename.

/** The departments that certify identities (contracts/identity-feeds.md); a feed key names one. */
export const DEPARTMENTS = [
  'civil-affairs',
  'disabled-persons-federation',
  'rural-affairs',
  'veterans-affairs',
  'restructuring-office',
  'education',
  'health',
  'tax',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

/** The departments as a township office names them, in reports and on the dashboard. */
export const DEPARTMENT_LABELS: Readonly<Record<Department, string>> = {
  'civil-affairs': '民政',
  'disabled-persons-federation': '残联',
  'rural-affairs': '农业农村（乡村振兴）',
  'veterans-affairs': '退役军人事务',
  'restructuring-office': '改制办',
  education: '教育',
  health: '卫生健康',
  tax: '税务',
};

export interface IdentityType {
  code: string;
  /** Labels exactly as the notices print them; the first is the display name. */
  labels: readonly string[];
  department: Department;
  /** Number in Chongqing's medical-assistance system, where it has one. */
  cqAssistanceCode?: string;
}

export const IDENTITY_TYPES: readonly IdentityType[] = [
  { code: 'extreme-poverty', labels: ['特困人员'], department: 'civil-affairs', cqAssistanceCode: '7131' },
  {
    code: 'orphan',
    labels: ['孤儿', '城乡孤儿', '城乡孤儿（含事实无人抚养儿童）'],
    department: 'civil-affairs',
    cqAssistanceCode: '7041',
  },
  { code: 'de-facto-orphan', labels: ['事实无人抚养儿童'], department: 'civil-affairs', cqAssistanceCode: '7141' },
  {
    code: 'subsistence-allowance',
    labels: ['低保对象', '城乡低保对象'],
    department: 'civil-affairs',
    cqAssistanceCode: '7019',
  },
  { code: 'low-income-marginal', labels: ['低保边缘户'], department: 'civil-affairs', cqAssistanceCode: '7201' },
  { code: 'civil-affairs-registered', labels: ['民政部门建档其他人员'], department: 'civil-affairs' },
  {
    code: 'illness-impoverished',
    labels: ['因病致贫家庭重病患者'],
    department: 'civil-affairs',
    cqAssistanceCode: '7110',
  },
  {
    code: 'severe-disability',
    labels: ['重度残疾', '城乡重度（一、二级）残疾人员'],
    department: 'disabled-persons-federation',
    cqAssistanceCode: '7069',
  },
  {
    code: 'disability-card',
    labels: ['持二代残疾证残疾人', '持有二代残疾证的残疾人员'],
    department: 'disabled-persons-federation',
  },
  { code: 'returned-to-poverty', labels: ['返贫致贫人口'], department: 'rural-affairs', cqAssistanceCode: '7202' },
  {
    code: 'unstable-out-of-poverty',
    labels: ['脱贫不稳定户', '脱贫不稳定人口'],
    department: 'rural-affairs',
    cqAssistanceCode: '7203',
  },
  {
    code: 'marginal-at-risk',
    labels: ['边缘易致贫户', '边缘易致贫人口'],
    department: 'rural-affairs',
    cqAssistanceCode: '7204',
  },
  {
    code: 'sudden-hardship',
    labels: ['突发严重困难户', '突发严重困难人口'],
    department: 'rural-affairs',
    cqAssistanceCode: '7205',
  },
  { code: 'stable-out-of-poverty', labels: ['稳定脱贫人口'], department: 'rural-affairs' },
  {
    code: 'priority-care-veteran',
    labels: ['在乡重点优抚对象', '在乡重点优抚对象（不含1—6级残疾军人）'],
    department: 'veterans-affairs',
    cqAssistanceCode: '7052',
  },
  {
    code: 'old-demobilized-soldier',
    labels: ['在乡老复员军人'],
    department: 'veterans-affairs',
    cqAssistanceCode: '7090',
  },
  { code: 'deceased-soldier-family', labels: ['病故军人遗属'], department: 'veterans-affairs' },
  { code: 'duty-death-soldier-family', labels: ['因公牺牲军人遗属'], department: 'veterans-affairs' },
  { code: 'martyr-family', labels: ['烈士遗属'], department: 'veterans-affairs' },
  { code: 'martyr-child-over-60', labels: ['60周岁以上烈士子女'], department: 'veterans-affairs' },
  {
    code: 'restructured-enterprise-worker',
    labels: ['市属改制企业职工', '市属改制企业职工（含市属未改制企业退休人员）'],
    department: 'restructuring-office',
  },
];

/** Group labels that stand for several identities (Xiaoyi's 监测对象). */
export const IDENTITY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  监测对象: ['unstable-out-of-poverty', 'marginal-at-risk', 'sudden-hardship'],
};

const byKey = new Map<string, readonly string[]>();
for (const t of IDENTITY_TYPES) {
  byKey.set(t.code, [t.code]);
  for (const label of t.labels) byKey.set(label, [t.code]);
  if (t.cqAssistanceCode) byKey.set(t.cqAssistanceCode, [t.code]);
}
for (const [label, codes] of Object.entries(IDENTITY_GROUPS)) byKey.set(label, codes);

/**
 * Resolves codes, printed labels, group labels and Chongqing assistance numbers to identity codes.
 * Unknown strings come back in `unknown`, in input order, so callers can list every one of them.
 */
export function resolveIdentities(input: readonly string[]): { codes: string[]; unknown: string[] } {
  const codes = new Set<string>();
  const unknown: string[] = [];
  for (const raw of input) {
    const found = byKey.get(raw.trim());
    if (found) for (const c of found) codes.add(c);
    else unknown.push(raw);
  }
  return { codes: [...codes], unknown };
}

export function identityType(code: string): IdentityType | undefined {
  return IDENTITY_TYPES.find((t) => t.code === code);
}
