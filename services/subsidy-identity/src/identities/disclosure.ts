import type { Role } from '@rmi/db';
import { maskIdNumber, maskName } from '@rmi/rules';
import type { Actor } from '@rmi/service-kit';

/**
 * Roles that work with people by name and see them whole, as in enrollment (persons/person-view.ts):
 * admin and the operators and collectors of a region. Dashboards, and any role added later, see
 * ID numbers and names masked.
 */
const SEES_PERSONAL_DATA: ReadonlySet<Role> = new Set(['admin', 'county-operator', 'township-operator', 'collector']);

export interface Disclosure {
  whole: boolean;
  idNumber(id: string): string;
  name(name: string | null): string | null;
}

const WHOLE: Disclosure = { whole: true, idNumber: (v) => v, name: (v) => v };
const MASKED: Disclosure = { whole: false, idNumber: maskIdNumber, name: (v) => (v === null ? null : maskName(v)) };

/**
 * How much of a person a caller sees in a diff, a history or a roster. A department's own feed key
 * also sees whole what its department certified (its own batches, spells and rosters): it sent
 * those ID numbers and names itself, and a roster it must chase to paid is no use masked. Scope
 * (region, department) is checked before anything is shown; this only decides how much.
 */
export function disclosureFor(actor: Pick<Actor, 'role' | 'department'>, department?: string | null): Disclosure {
  if (actor.role !== null && SEES_PERSONAL_DATA.has(actor.role)) return WHOLE;
  if (actor.role === 'department-feed' && department != null && actor.department === department) return WHOLE;
  return MASKED;
}
