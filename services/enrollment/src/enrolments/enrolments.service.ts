import type {
  AppliedPayment,
  ApplyPaymentBody,
  Enrolment,
  EnrolmentListQuery,
  EnrolmentPage,
  ExternalCoveragesBody,
  PaymentBatchResult,
  PaymentReversal,
  RegisterEnrolmentBody,
  ReversePaymentBody,
} from '@rmi/contracts';
import type { EnrollmentDatabase } from '@rmi/db';
import { addDays, maskIdNumber } from '@rmi/rules';
import type { PolicyCatalog } from '@rmi/service-kit';
import {
  type Actor,
  assertRegionInScope,
  type Change,
  ConflictError,
  NotFoundError,
  shanghaiToday,
  UnprocessableError,
} from '@rmi/service-kit';
import type { EnrollmentDb, RunChange } from '../db.js';
import { createPersonsRepository } from '../persons/persons.repository.js';
import { assertVillage } from '../regions/villages.js';
import { applyPaymentIn } from './apply-payment.js';
import { applyPaymentBatch, type PaymentBatchEntry } from './apply-payment-batch.js';
import { assertAliveOn } from './deceased.js';
import { quoteCategory } from './eligibility-bases.js';
import { toEnrolment } from './enrolment-view.js';
import { createEnrolmentsRepository, type EnrolmentRow } from './enrolments.repository.js';
import {
  assertNotInsuredElsewhere,
  enrolmentConflict,
  insertRegistration,
  personNotFound,
  policyFor,
  policyVersion,
} from './registration.js';
import { reversePaymentIn } from './reverse-payment.js';
import { cancelIn, transitionIn } from './transitions.js';

const enrolmentNotFound = (idNumber: string, year: number) =>
  new NotFoundError('ENROLLMENT_NOT_FOUND', `No ${year} enrolment for ${maskIdNumber(idNumber)}.`);

/**
 * The enrolment lifecycle: register, apply a payment (fixing tier, identity and amounts from the
 * rules, 003#五) alone or in batches, reverse one, cancel, transfer to employee insurance, and
 * newborn cover through a guardian; reading enrolments, and the insurance people hold elsewhere.
 * Each change commits with its audit row and its outbox event.
 */
export function createEnrolmentsService(deps: { db: EnrollmentDb; change: RunChange; catalog: PolicyCatalog }) {
  const { db, change } = deps;
  const enrolments = createEnrolmentsRepository(db);
  // The policies are read before a transaction opens, never inside one: a refresh of the cache
  // needs a pool connection of its own, and transactions each holding one while waiting for
  // another would deadlock the pool under load (test/pool-pressure.test.ts).
  const policies = () => deps.catalog.inForce();

  async function transition(
    actor: Actor,
    idNumber: string,
    year: number,
    move: (c: Change<EnrollmentDatabase>, row: EnrolmentRow) => Promise<EnrolmentRow>,
  ): Promise<Enrolment> {
    const row = await change(actor, async (c) => {
      const current = await createEnrolmentsRepository(c.trx).findForUpdate(idNumber, year);
      if (!current) throw enrolmentNotFound(idNumber, year);
      assertRegionInScope(actor, current.region_code, `Region ${current.region_code}`);
      return move(c, current);
    });
    return toEnrolment(row, shanghaiToday());
  }

  return Object.freeze({
    /**
     * Registers a person for a year in a village of the caller's scope: the one named, or else the
     * person's hukou village.
     */
    async register(actor: Actor, body: RegisterEnrolmentBody): Promise<Enrolment> {
      if (body.regionCode) assertRegionInScope(actor, body.regionCode, `Village ${body.regionCode}`);
      const inForce = await policies();
      const today = shanghaiToday();
      const row = await change(actor, async (c) => {
        const { trx } = c;
        const person = await createPersonsRepository(trx).findForShare(body.idNumber);
        if (!person) throw personNotFound(body.idNumber);
        const regionCode = body.regionCode ?? person.hukou_region_code;
        if (!body.regionCode) assertRegionInScope(actor, regionCode, `Village ${regionCode}`);
        assertAliveOn(person, today);
        if (body.regionCode) await assertVillage(trx, body.regionCode, 'body.regionCode');
        // An enrolment that exists already answers first: ENROLLMENT_EXISTS, or DUPLICATE_INSURANCE
        // when it is in another county (the insert below still guards against a race).
        const existing = await createEnrolmentsRepository(trx).find(person.id_number, body.year);
        if (existing) throw enrolmentConflict(existing, regionCode);
        const policy = policyFor(inForce, regionCode, body.year);
        if (body.tier === 2 && policy.standards.resident.tier2Fen === undefined) {
          throw new UnprocessableError('TIER_NOT_OFFERED', `${policy.id} has a single tier.`, {
            source: policy.standards.resident.source,
          });
        }
        await assertNotInsuredElsewhere(trx, person, body.year, regionCode, policy);
        return insertRegistration(c, {
          person,
          year: body.year,
          regionCode,
          tier: body.tier,
          category: body.category ?? quoteCategory(person, body.year),
          studentStatus: body.studentStatus,
        });
      });
      return toEnrolment(row, today);
    },

    /** Applies a payment; the same payment again changes nothing (see apply-payment.ts). */
    async applyPayment(actor: Actor, paymentId: string, body: ApplyPaymentBody): Promise<AppliedPayment> {
      const inForce = await policies();
      const outcome = await change(actor, (c) => applyPaymentIn(c, inForce, paymentId, body));
      return { applied: outcome.applied, enrolment: toEnrolment(outcome.row, shanghaiToday()) };
    },

    /**
     * Applies a batch of payments in order, each on its own (apply-payment-batch.ts); the policies
     * are read once, before the first item's transaction opens.
     */
    async applyPayments(actor: Actor, entries: readonly PaymentBatchEntry[]): Promise<PaymentBatchResult[]> {
      const inForce = await policies();
      return applyPaymentBatch(change, actor, inForce, entries, shanghaiToday());
    },

    /** Reverses a payment (冲正): its enrolment is unpaid again; the same reversal again changes nothing. */
    async reversePayment(actor: Actor, paymentId: string, body: ReversePaymentBody): Promise<PaymentReversal> {
      const outcome = await change(actor, (c) => reversePaymentIn(c, { paymentId, ...body }));
      return { reversed: outcome.reversed, enrolment: toEnrolment(outcome.row, shanghaiToday()) };
    },

    async cancel(actor: Actor, idNumber: string, year: number, reason: 'death' | 'moved' | 'duplicate', on: string) {
      return transition(actor, idNumber, year, (c, row) => cancelIn(c, row, reason, on));
    },

    /** Moving to employee insurance keeps resident cover until employee cover begins (002#四(三)). */
    async transfer(actor: Actor, idNumber: string, year: number, employeeCoverFrom: string) {
      return transition(actor, idNumber, year, (c, row) => {
        if (row.status !== 'paid') {
          throw new ConflictError(
            'INVALID_TRANSITION',
            `Only a paid enrolment moves to employee insurance; this one is ${row.status}.`,
          );
        }
        const dayBefore = addDays(employeeCoverFrom, -1);
        const end = row.benefit_end && row.benefit_end < dayBefore ? row.benefit_end : dayBefore;
        return transitionIn(c, row, 'enrolment.transferred', {
          status: 'transferred',
          employee_cover_from: employeeCoverFrom,
          benefit_end: end,
        });
      });
    },

    /** A newborn not enrolled alone, covered from birth through a guardian's paid enrolment (002#三(一), 003#三). */
    async coverNewborn(actor: Actor, idNumber: string, guardianIdNumber: string, year: number): Promise<Enrolment> {
      const inForce = await policies();
      const today = shanghaiToday();
      const row = await change(actor, async ({ trx, audit, emit }) => {
        const repo = createEnrolmentsRepository(trx);
        const guardian = await repo.find(guardianIdNumber, year);
        if (guardian) assertRegionInScope(actor, guardian.region_code, `Village ${guardian.region_code}`);
        const newborn = await createPersonsRepository(trx).find(idNumber);
        if (!newborn) throw personNotFound(idNumber);
        if (!newborn.birth_date.startsWith(`${year}-`)) {
          throw new UnprocessableError('NOT_A_NEWBORN', `Born ${newborn.birth_date}, not in ${year}.`);
        }
        if (guardian?.status !== 'paid') {
          throw new UnprocessableError(
            'GUARDIAN_NOT_ENROLLED',
            `The guardian ${maskIdNumber(guardianIdNumber)} has no paid enrolment for ${year}.`,
          );
        }
        const policy = policyFor(inForce, guardian.region_code, year);
        const rule = policy.newborn?.coveredThroughGuardian;
        if (!rule?.value) {
          throw new UnprocessableError('NO_GUARDIAN_COVER', `${policy.id} does not cover newborns through a guardian.`);
        }
        const reasons = [
          {
            rule: 'newborn-guardian-cover',
            source: rule.source,
            text: 'Covered from birth through an enrolled guardian.',
          },
        ];
        const inserted = await repo.insertIfAbsent({
          id_number: idNumber,
          year,
          region_code: guardian.region_code,
          category: 'newborn',
          status: 'paid',
          basis: 'guardian',
          guardian_id_number: guardianIdNumber,
          policy_id: policy.id,
          policy_version: policyVersion(inForce, policy.id),
          standard_fen: 0,
          fiscal_subsidy_fen: 0,
          assistance_fen: 0,
          waiver_fen: 0,
          personal_fen: 0,
          paid_fen: 0,
          paid_on: today,
          benefit_start: newborn.birth_date,
          benefit_end: `${year}-12-31`,
          waiting_days: 0,
          reasons: JSON.stringify(reasons),
          created_by: actor.keyId,
        });
        if (!inserted)
          throw new ConflictError('ENROLLMENT_EXISTS', `The newborn already has an enrolment for ${year}.`);
        audit({
          action: 'enrolment.newborn-cover',
          entity: 'enrolment',
          entityId: `${maskIdNumber(idNumber)}/${year}`,
          regionCode: inserted.region_code,
        });
        emit('enrolment.paid', {
          idNumber,
          year,
          regionCode: inserted.region_code,
          basis: 'guardian',
          benefitStart: inserted.benefit_start,
          benefitEnd: inserted.benefit_end,
        });
        return inserted;
      });
      return toEnrolment(row, today);
    },

    /** One page of a region's enrolments for a year, in ID-number order. */
    async list(actor: Actor, q: EnrolmentListQuery): Promise<EnrolmentPage> {
      assertRegionInScope(actor, q.regionCode, `Region ${q.regionCode}`);
      // One row more than asked tells whether a next page exists without counting.
      const rows = await enrolments.list({ ...q, regionPrefix: q.regionCode, limit: q.limit + 1 });
      const today = shanghaiToday();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((row) => toEnrolment(row, today)),
        next: rows.length > q.limit ? (page[page.length - 1]?.id_number ?? null) : null,
      };
    },

    async get(actor: Actor, idNumber: string, year: number): Promise<Enrolment> {
      const row = await enrolments.find(idNumber, year);
      if (!row) throw enrolmentNotFound(idNumber, year);
      assertRegionInScope(actor, row.region_code, `Region ${row.region_code}`);
      return toEnrolment(row, shanghaiToday());
    },

    /** Insurance held elsewhere (employee insurance, resident insurance in another region), which bars enrolling here. */
    async reportExternalCoverages(actor: Actor, body: ExternalCoveragesBody): Promise<{ stored: number }> {
      const rows = body.coverages.map((c) => ({
        id_number: c.idNumber,
        year: c.year,
        kind: c.kind,
        insurer: c.insurer,
        starts_on: c.startsOn ?? null,
        reported_by: actor.keyId,
      }));
      await change(actor, async ({ trx, audit }) => {
        await createEnrolmentsRepository(trx).upsertExternalCoverages(rows);
        audit({ action: 'external-coverage.report', entity: 'external-coverage', details: { count: rows.length } });
      });
      return { stored: rows.length };
    },
  });
}

export type EnrolmentsService = ReturnType<typeof createEnrolmentsService>;
