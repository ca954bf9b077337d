import type { CreateApiKeyBody } from '@rmi/contracts';

/** Region level each role's scope must name (contracts/auth.md). */
const SCOPE_LEVEL: Record<string, { digits: number[]; label: string }> = {
  'county-operator': { digits: [6], label: 'a county (6 digits)' },
  'township-operator': { digits: [9], label: 'a township (9 digits)' },
  collector: { digits: [12], label: 'a village (12 digits)' },
  dashboard: { digits: [2, 4, 6, 9, 12], label: 'a region' },
  'department-feed': { digits: [2, 4, 6, 9, 12], label: 'a region, if any' },
};

/** Everything wrong with the scope a new key asks for, each as a sentence. */
export function scopeProblems(body: CreateApiKeyBody): string[] {
  const problems: string[] = [];
  const level = SCOPE_LEVEL[body.role];
  if (body.role === 'admin' || body.role === 'service') {
    if (body.regionCode) problems.push(`an ${body.role} key has no regionCode`);
    if (body.department) problems.push(`an ${body.role} key has no department`);
    return problems;
  }
  if (body.role === 'department-feed') {
    if (!body.department) problems.push('a department-feed key needs a department');
  } else if (body.department) {
    problems.push(`a ${body.role} key has no department`);
  }
  if (level && body.role !== 'department-feed' && !body.regionCode)
    problems.push(`a ${body.role} key needs ${level.label}`);
  if (level && body.regionCode && !level.digits.includes(body.regionCode.length)) {
    problems.push(`a ${body.role} key is scoped to ${level.label}, not ${body.regionCode}`);
  }
  return problems;
}
