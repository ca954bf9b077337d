import type { Enrolment, RegisterEnrolmentBody } from '@rmi/contracts';
import type { EnrollmentDatabase } from '@rmi/db';
import { checkEligibility, findPolicy, maskIdNumber, type PolicyDocument } from '@rmi/rules';
import type { PolicyInForce } from '@rmi/service-kit';
import { type Change, ConflictError, NotFoundError, UnprocessableError } from '@rmi/service-kit';
import type { EnrollmentDb } from '../db.js';
import type { PersonRow } from '../persons/persons.repository.js';
import { eligibilityBases } from './eligibility-bases.js';
import { createEnrolmentsRepository, type EnrolmentRow } from './enrolments.repository.js';

// What registering someone for a year means, shared by a registration and by a payment that
// registers (缴费即参保).

export function personNotFound(idNumber: string): NotFoundError {
  return new NotFoundError('PERSON_NOT_FOUND', `No person ${maskIdNumber(idNumber)} is registered.`);
}

export function policyFor(policies: readonly PolicyInForce[], regionCode: string, year: number): PolicyDocument {
  const policy = findPolicy(
    policies.map((p) => p.document),
    regionCode,
    year,
  );
  if (!policy) {
    throw new UnprocessableError(
      'POLICY_NOT_FOUND',
      `No policy covers region ${regionCode} in ${year}; load one first.`,
    );
  }
  return policy;
}

export function policyVersion(policies: readonly PolicyInForce[], id: string): number | null {
  return policies.find((p) => p.document.id === id)?.stored.version ?? null;
}

/** Conflicts with insurance held elsewhere that year (不重复参保, 002#四(三), 003#二). */
export async function assertNotInsuredElsewhere(
  trx: EnrollmentDb,
  person: PersonRow,
  year: number,
  regionCode: string,
  policy: PolicyDocument,
): Promise<void> {
  const external = await createEnrolmentsRepository(trx).externalCoverages(person.id_number, year);
  const employee = external.find((c) => c.kind === 'employee');
  const elsewhere = external.find((c) => c.kind === 'resident-elsewhere');
  if (elsewhere) {
    throw new ConflictError(
      'DUPLICATE_INSURANCE',
      `${maskIdNumber(person.id_number)} already has resident insurance for ${year} with ${elsewhere.insurer}.`,
      { insurer: elsewhere.insurer, kind: 'resident-elsewhere' },
    );
  }
  const eligibility = checkEligibility(policy, {
    bases: eligibilityBases(person, regionCode),
    inEmployeeInsurance: employee !== undefined,
  });
  const employeeConflict = eligibility.conflicts.find((c) => c.code === 'EMPLOYEE_INSURANCE');
  if (employeeConflict && employee) {
    throw new ConflictError(
      'DUPLICATE_INSURANCE',
      `${maskIdNumber(person.id_number)} holds employee insurance for ${year} (${employee.insurer}).`,
      { insurer: employee.insurer, kind: 'employee', source: employeeConflict.source },
    );
  }
  const notInScope = eligibility.conflicts.find((c) => c.code === 'NOT_IN_SCOPE');
  if (notInScope) {
    throw new UnprocessableError('NOT_ELIGIBLE', notInScope.text, { source: notInScope.source });
  }
}

/** The conflict an existing enrolment for the year means for a new registration in `regionCode`. */
export function enrolmentConflict(existing: EnrolmentRow, regionCode: string): ConflictError {
  const who = maskIdNumber(existing.id_number);
  if (existing.region_code.slice(0, 6) !== regionCode.slice(0, 6)) {
    return new ConflictError(
      'DUPLICATE_INSURANCE',
      `${who} is already enrolled for ${existing.year} in region ${existing.region_code}.`,
      { kind: 'resident-elsewhere', regionCode: existing.region_code },
    );
  }
  return new ConflictError(
    'ENROLLMENT_EXISTS',
    `${who} already has an enrolment for ${existing.year} (${existing.status}).`,
    { regionCode: existing.region_code },
  );
}

/** The registration row with its audit entry and event, or the conflict an existing one for the year means. */
export async function insertRegistration(
  change: Change<EnrollmentDatabase>,
  values: {
    person: PersonRow;
    year: number;
    regionCode: string;
    tier: 1 | 2;
    category: Enrolment['category'];
    studentStatus?: RegisterEnrolmentBody['studentStatus'];
  },
): Promise<EnrolmentRow> {
  const repo = createEnrolmentsRepository(change.trx);
  const row = await repo.insertIfAbsent({
    id_number: values.person.id_number,
    year: values.year,
    region_code: values.regionCode,
    tier: values.tier,
    category: values.category,
    student_status: values.studentStatus ?? null,
    created_by: change.actor.keyId,
  });
  if (!row) {
    const existing = await repo.find(values.person.id_number, values.year);
    throw existing
      ? enrolmentConflict(existing, values.regionCode)
      : new ConflictError('ENROLLMENT_EXISTS', 'Registered concurrently.');
  }
  change.audit({
    action: 'enrolment.register',
    entity: 'enrolment',
    entityId: `${maskIdNumber(row.id_number)}/${row.year}`,
    regionCode: row.region_code,
    details: { tier: row.tier, category: row.category },
  });
  change.emit('enrolment.registered', {
    idNumber: row.id_number,
    year: row.year,
    regionCode: row.region_code,
    tier: row.tier,
  });
  return row;
}
