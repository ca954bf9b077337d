import { UnprocessableError } from '@rmi/service-kit';
import type { EnrollmentDb } from '../db.js';
import { createRegionsRepository } from './regions.repository.js';

/** A person is registered, and enrolled, in a village that is loaded; `path` names the field at fault. */
export async function assertVillage(db: EnrollmentDb, code: string, path: string): Promise<void> {
  const village = await createRegionsRepository(db).find(code);
  if (village?.level !== 'village') {
    throw new UnprocessableError('REGION_UNKNOWN', `${code} is not a loaded village.`, {
      errors: [{ path, message: 'not a loaded village code' }],
    });
  }
}
