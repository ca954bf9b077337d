import type { ApplyPaymentBody } from '@rmi/contracts';
import type { EnrollmentDatabase } from '@rmi/db';
import { maskIdNumber, quote } from '@rmi/rules';
import type { PolicyInForce } from '@rmi/service-kit';
import { type Change, ConflictError, UnprocessableError } from '@rmi/service-kit';
import { createPersonsRepository } from '../persons/persons.repository.js';
import { ruleProblem } from '../policies/rule-problem.js';
import { assertVillage } from '../regions/villages.js';
import { assertAliveOn } from './deceased.js';
import { quoteCategory } from './eligibility-bases.js';
import { createEnrolmentsRepository, type EnrolmentRow } from './enrolments.repository.js';
import { certifiedOn, identityReasons, paymentIdentities } from './held-identities.js';
import {
  assertNotInsuredElsewhere,
  insertRegistration,
  personNotFound,
  policyFor,
  policyVersion,
} from './registration.js';

/**
 * Applies a payment inside `change`: idempotent by payment id. Computes the amounts and the benefit
 * period from the policy in force and stores them for good (003#五: no re-computation afterwards).
 * The assistance comes from the identities held on the payment day: those the departments certified
 * (identity.v_identity_spells) with any the body names. `inForce` is read before the transaction
 * opens (see enrolments.service.ts).
 */
export async function applyPaymentIn(
  change: Change<EnrollmentDatabase>,
  inForce: readonly PolicyInForce[],
  paymentId: string,
  body: ApplyPaymentBody,
): Promise<{ applied: boolean; row: EnrolmentRow }> {
  const { trx } = change;
  const repo = createEnrolmentsRepository(trx);
  const already = await repo.findByPaymentId(paymentId);
  if (already) return { applied: false, row: sameTarget(already, paymentId, body) };
  // A reversed payment stays reversed (冲正): money paid again comes with a payment id of its own.
  const reversal = await repo.findReversal(paymentId);
  if (reversal) {
    throw new ConflictError('PAYMENT_REVERSED', `Payment ${paymentId} was reversed on ${reversal.reversed_on}.`, {
      reversedOn: reversal.reversed_on,
    });
  }
  // Held until the commit: a death recorded meanwhile waits for this payment, or this payment sees it.
  const person = await createPersonsRepository(trx).findForShare(body.idNumber);
  if (!person) throw personNotFound(body.idNumber);
  assertAliveOn(person, body.paidOn);

  let row = await repo.findForUpdate(body.idNumber, body.year);
  if (!row && body.regionCode) await assertVillage(trx, body.regionCode, 'body.regionCode');
  const regionCode = row?.region_code ?? body.regionCode ?? person.hukou_region_code;
  const policy = policyFor(inForce, regionCode, body.year);
  if (!row) {
    // Paying is enrolling (缴费即参保): a person who pays without a registration is registered now.
    await assertNotInsuredElsewhere(trx, person, body.year, regionCode, policy);
    try {
      await insertRegistration(change, {
        person,
        year: body.year,
        regionCode,
        tier: body.tier ?? 1,
        category: quoteCategory(person, body.year),
      });
    } catch (err) {
      // The same payment (or another) registered them concurrently: pay that registration.
      if (!(err instanceof ConflictError && err.code === 'ENROLLMENT_EXISTS')) throw err;
    }
    row = (await repo.findForUpdate(body.idNumber, body.year)) as EnrolmentRow;
  }
  // A concurrent application of the same payment may have committed while we waited for the lock.
  if (row.payment_id === paymentId) return { applied: false, row };
  if (row.status === 'paid' || row.status === 'transferred') {
    throw new ConflictError(
      'ALREADY_PAID',
      `The ${body.year} enrolment of ${maskIdNumber(row.id_number)} was paid by payment ${row.payment_id}; this one is a duplicate to refund.`,
      { paymentId: row.payment_id },
    );
  }
  if (row.status === 'cancelled' && !paidBeforeDeath(row, body.paidOn)) {
    throw new ConflictError(
      'ENROLLMENT_NOT_PAYABLE',
      `The ${body.year} enrolment is cancelled (${row.cancel_reason}).`,
    );
  }

  const tier = body.tier ?? row.tier;
  const lastEnrolledYear = await repo.lastInsuredYear(row.id_number, body.year);
  const studentStatus = row.student_status;
  // Read after the enrolment is locked: a concurrent application of the same payment waits above,
  // then finds it applied, so every answer carries the amounts of one reading.
  const identities = paymentIdentities(await certifiedOn(trx, row.id_number, body.paidOn), body.identities);
  const quoteAs = (category: EnrolmentRow['category']) =>
    quote(policy, {
      regionCode,
      year: body.year,
      tier,
      category,
      paidOn: body.paidOn,
      identities: identities.quoted,
      ...(category === 'newborn' ? { birthDate: person.birth_date } : {}),
      ...(studentStatus ? { studentStatus } : {}),
      ...(lastEnrolledYear !== undefined ? { lastEnrolledYear } : {}),
    });
  let category = row.category;
  let result = quoteAs(category);
  // A newborn paying after the 90-day window enrols as any resident does (contracts/quote.md).
  if (!result.ok && result.error.code === 'NEWBORN_WINDOW_PASSED') {
    category = 'resident';
    result = quoteAs(category);
  }
  if (!result.ok) throw ruleProblem(result.error);
  const q = result.quote;
  const reasons = [...q.reasons, ...identityReasons(policy, body.paidOn, identities)];
  if (body.amountFen !== q.personalFen) {
    // The payer's system may not know what a department certified: the answer says what is owed and why.
    const assisted = q.assistanceIdentity
      ? `, after ${q.assistanceFen} fen of assistance for ${q.assistanceIdentity}` +
        `${identities.certified.some((c) => c.code === q.assistanceIdentity) ? ' (certified)' : ''}`
      : '';
    throw new UnprocessableError(
      'AMOUNT_MISMATCH',
      `Paid ${body.amountFen} fen; the personal part on ${body.paidOn} is ${q.personalFen} fen${assisted}.`,
      {
        expectedFen: q.personalFen,
        paidFen: body.amountFen,
        standardFen: q.standardFen,
        fiscalSubsidyFen: q.fiscalSubsidyFen,
        assistanceFen: q.assistanceFen,
        assistanceIdentity: q.assistanceIdentity,
        waiverFen: q.waiverFen,
        identities: identities.codes,
        certifiedIdentities: identities.certified.map((c) => c.code),
        reasons,
      },
    );
  }
  const paid = await repo.update(row.id_number, row.year, {
    status: 'paid',
    category,
    tier,
    policy_id: q.policyId,
    policy_version: policyVersion(inForce, q.policyId),
    identities: identities.codes,
    assistance_identity: q.assistanceIdentity,
    standard_fen: q.standardFen,
    fiscal_subsidy_fen: q.fiscalSubsidyFen,
    assistance_fen: q.assistanceFen,
    waiver_fen: q.waiverFen,
    personal_fen: q.personalFen,
    paid_fen: body.amountFen,
    paid_on: body.paidOn,
    payment_id: paymentId,
    benefit_start: q.benefitStart,
    benefit_end: q.benefitEnd,
    waiting_days: q.waitingDays,
    reasons: JSON.stringify(reasons),
    // A registration cancelled by a death after this payment was made is paid after all.
    cancel_reason: null,
    cancelled_on: null,
  });
  change.audit({
    action: 'enrolment.pay',
    entity: 'enrolment',
    entityId: `${maskIdNumber(paid.id_number)}/${paid.year}`,
    regionCode: paid.region_code,
    details: { paymentId, amountFen: body.amountFen, channel: body.channel ?? null },
  });
  change.emit('enrolment.paid', {
    idNumber: paid.id_number,
    year: paid.year,
    regionCode: paid.region_code,
    paymentId,
    personalFen: q.personalFen,
    assistanceFen: q.assistanceFen,
    assistanceIdentity: q.assistanceIdentity,
    benefitStart: q.benefitStart,
    benefitEnd: q.benefitEnd,
  });
  return { applied: true, row: paid };
}

/**
 * A registration cancelled because the person died stays payable by a payment made on or before the
 * day of death: it was the resident's own contribution (deceased.ts), only reconciled after the
 * death reached the register. Any other cancellation, or a later payment, is refused.
 */
function paidBeforeDeath(row: EnrolmentRow, paidOn: string): boolean {
  return row.cancel_reason === 'death' && row.cancelled_on !== null && paidOn <= row.cancelled_on;
}

function sameTarget(row: EnrolmentRow, paymentId: string, body: ApplyPaymentBody): EnrolmentRow {
  if (row.id_number !== body.idNumber || row.year !== body.year) {
    throw new ConflictError('PAYMENT_ID_REUSED', `Payment ${paymentId} was already applied to another enrolment.`);
  }
  return row;
}
