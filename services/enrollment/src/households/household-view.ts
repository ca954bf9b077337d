import type { Household } from '@rmi/contracts';
import type { HouseholdRow } from '../persons/households.repository.js';
import { type Disclosure, toPerson } from '../persons/person-view.js';
import type { PersonRow } from '../persons/persons.repository.js';

export function toHousehold(row: HouseholdRow, members: PersonRow[], show: Disclosure): Household {
  return {
    id: row.id,
    regionCode: row.region_code,
    number: row.number,
    headIdNumber: row.head_id_number === null ? null : show.idNumber(row.head_id_number),
    members: members.map((m) => toPerson(m, show)),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
