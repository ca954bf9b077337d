import { maskIdNumber } from '@rmi/rules';
import { UnprocessableError } from '@rmi/service-kit';
import type { PersonsRepository } from './persons.repository.js';

/** A guardian (of a newborn, a minor) is someone the register knows. */
export async function assertGuardianRegistered(persons: PersonsRepository, idNumber: string): Promise<void> {
  if (!(await persons.find(idNumber))) {
    throw new UnprocessableError('GUARDIAN_UNKNOWN', `No registered person ${maskIdNumber(idNumber)} to be guardian.`, {
      errors: [{ path: 'body.guardianIdNumber', message: 'not a registered person' }],
    });
  }
}
