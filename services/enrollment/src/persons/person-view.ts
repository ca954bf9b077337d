import type { Person } from '@rmi/contracts';
import type { Role } from '@rmi/db';
import { maskIdNumber, maskName } from '@rmi/rules';
import type { Actor } from '@rmi/service-kit';
import type { PersonRow } from './persons.repository.js';

/**
 * Roles that work with people by name and see them whole; every other role (dashboards,
 * department feeds, and any role added later) sees personal data masked. Scope is checked before
 * anything is shown, so this only decides how much of an in-scope person a caller sees.
 */
const SEES_PERSONAL_DATA: ReadonlySet<Role> = new Set(['admin', 'county-operator', 'township-operator', 'collector']);

/** `138****5678`: the carrier prefix and the last four, as on a receipt. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}

export interface Disclosure {
  idNumber(id: string): string;
  name(name: string): string;
  phone(phone: string): string;
}

const WHOLE: Disclosure = { idNumber: (v) => v, name: (v) => v, phone: (v) => v };
const MASKED: Disclosure = { idNumber: maskIdNumber, name: maskName, phone: maskPhone };

/** The one rule for how much personal data a caller sees in any person or household answer. */
export function disclosureFor(actor: Pick<Actor, 'role'>): Disclosure {
  return actor.role !== null && SEES_PERSONAL_DATA.has(actor.role) ? WHOLE : MASKED;
}

export function toPerson(row: PersonRow, show: Disclosure): Person {
  return {
    idNumber: show.idNumber(row.id_number),
    name: show.name(row.name),
    sex: row.sex,
    birthDate: row.birth_date,
    hukouRegionCode: row.hukou_region_code,
    category: row.category,
    phone: row.phone === null ? null : show.phone(row.phone),
    school: row.school,
    guardianIdNumber: row.guardian_id_number === null ? null : show.idNumber(row.guardian_id_number),
    householdId: row.household_id,
    relation: row.relation,
    diedOn: row.died_on,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
