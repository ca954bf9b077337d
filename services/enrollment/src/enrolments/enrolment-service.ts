import type { ApplyPaymentBody, Enrolment, RegisterEnrolmentBody } from '@rmi/contracts';
import type { Database, Db } from '@rmi/db';
import { addDays, checkEligibility, findPolicy, maskIdNumber, type PolicyDocument, quote } from '@rmi/rules';
import {
  assertRegionInScope,
  ConflictError,
  NotFoundError,
  recordAudit,
  shanghaiToday,
  UnprocessableError,
} from '@rmi/service-kit';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { recordEvent } from '../events/outbox.js';
import type { PolicyCatalog, PolicyInForce } from '../policies/policy-catalog.js';
import { createEnrolmentsRepository, type EnrolmentRow } from '../repositories/enrolments.repository.js';
import { createPersonsRepository } from '../repositories/persons.repository.js';
import { createRegionsRepository } from '../repositories/regions.repository.js';
import { assertVillage } from '../routes/persons/update-person.js';
import { ruleProblem } from '../routes/rule-problem.js';
import { eligibilityBases, quoteCategory } from './eligibility-bases.js';
import { toEnrolment } from './enrolment-view.js';

type Trx = Kysely<Database>;
type Actor = Pick<FastifyRequest, 'id' | 'principal'>;

const SERVICE = 'enrollment';

const findPerson = (trx: Trx, idNumber: string) => createPersonsRepository(trx).find(idNumber);

type Person = NonNullable<Awaited<ReturnType<typeof findPerson>>>;

function personNotFound(idNumber: string): NotFoundError {
  return new NotFoundError('PERSON_NOT_FOUND', `No person ${maskIdNumber(idNumber)} is registered.`);
}

function policyFor(policies: readonly PolicyInForce[], regionCode: string, year: number): PolicyDocument {
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

function policyVersion(policies: readonly PolicyInForce[], id: string): number | null {
  return policies.find((p) => p.document.id === id)?.stored.version ?? null;
}

/**
 * The enrolment lifecycle: register, apply a payment (fixing tier, identity and amounts from the
 * rules, 003#五), cancel, transfer to employee insurance, and newborn cover through a guardian.
 * Each change commits with its audit row and its outbox event.
 */
export function createEnrolmentService(db: Db, catalog: PolicyCatalog) {
  // The policies are read before a transaction opens, never inside one: a refresh of the cache
  // needs a pool connection of its own, and transactions each holding one while waiting for
  // another would deadlock the pool under load.
  const policies = () => catalog.inForce();

  /** Conflicts with insurance held elsewhere that year (不重复参保, 002#四(三), 003#二). */
  async function assertNotInsuredElsewhere(
    trx: Trx,
    person: Person,
    year: number,
    regionCode: string,
    policy: PolicyDocument,
  ) {
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

  /** The registration row, or the conflict an existing one for the year means. */
  async function insertRegistration(
    trx: Trx,
    actor: Actor,
    values: { person: Person; year: number; regionCode: string; tier: 1 | 2; category: Enrolment['category'] } & {
      studentStatus?: RegisterEnrolmentBody['studentStatus'];
    },
  ): Promise<EnrolmentRow> {
    const repo = createEnrolmentsRepository(trx);
    const row = await repo.insertIfAbsent({
      id_number: values.person.id_number,
      year: values.year,
      region_code: values.regionCode,
      tier: values.tier,
      category: values.category,
      student_status: values.studentStatus ?? null,
      created_by: actor.principal?.keyId ?? null,
    });
    if (!row) {
      const existing = await repo.find(values.person.id_number, values.year);
      throw existing
        ? enrolmentConflict(existing, values.regionCode)
        : new ConflictError('ENROLLMENT_EXISTS', 'Registered concurrently.');
    }
    await recordAudit(trx, SERVICE, actor, {
      action: 'enrolment.register',
      entity: 'enrolment',
      entityId: `${maskIdNumber(row.id_number)}/${row.year}`,
      regionCode: row.region_code,
      details: { tier: row.tier, category: row.category },
    });
    await recordEvent(trx, 'enrolment.registered', {
      idNumber: row.id_number,
      year: row.year,
      regionCode: row.region_code,
      tier: row.tier,
    });
    return row;
  }

  return {
    /** Registers a person for a year; the region must be in the caller's scope (checked by the route). */
    async register(actor: Actor, body: RegisterEnrolmentBody): Promise<Enrolment> {
      const inForce = await policies();
      const row = await db.transaction().execute(async (trx) => {
        const person = await findPerson(trx, body.idNumber);
        if (!person) throw personNotFound(body.idNumber);
        if (person.died_on) {
          throw new UnprocessableError(
            'PERSON_DECEASED',
            `${maskIdNumber(person.id_number)} died on ${person.died_on}.`,
          );
        }
        const regionCode = body.regionCode ?? person.hukou_region_code;
        if (body.regionCode) await assertVillage(createRegionsRepository(trx), body.regionCode, 'body.regionCode');
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
        return insertRegistration(trx, actor, {
          person,
          year: body.year,
          regionCode,
          tier: body.tier,
          category: body.category ?? quoteCategory(person, body.year),
          studentStatus: body.studentStatus,
        });
      });
      return toEnrolment(row, shanghaiToday());
    },

    /**
     * Applies a payment: idempotent by payment id. Computes the amounts and the benefit period from
     * the policy in force and stores them for good (003#五: no re-computation afterwards).
     */
    async applyPayment(
      actor: Actor,
      paymentId: string,
      body: ApplyPaymentBody,
    ): Promise<{ applied: boolean; enrolment: Enrolment }> {
      const inForce = await policies();
      const outcome = await db.transaction().execute(async (trx) => {
        const repo = createEnrolmentsRepository(trx);
        const already = await repo.findByPaymentId(paymentId);
        if (already) return { applied: false, row: sameTarget(already, paymentId, body) };
        const person = await findPerson(trx, body.idNumber);
        if (!person) throw personNotFound(body.idNumber);

        let row = await repo.findForUpdate(body.idNumber, body.year);
        if (!row && body.regionCode) {
          await assertVillage(createRegionsRepository(trx), body.regionCode, 'body.regionCode');
        }
        const regionCode = row?.region_code ?? body.regionCode ?? person.hukou_region_code;
        const policy = policyFor(inForce, regionCode, body.year);
        if (!row) {
          // Paying is enrolling (缴费即参保): a person who pays without a registration is registered now.
          await assertNotInsuredElsewhere(trx, person, body.year, regionCode, policy);
          try {
            await insertRegistration(trx, actor, {
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
        if (row.status === 'cancelled') {
          throw new ConflictError(
            'ENROLLMENT_NOT_PAYABLE',
            `The ${body.year} enrolment is cancelled (${row.cancel_reason}).`,
          );
        }

        const tier = body.tier ?? row.tier;
        const lastEnrolledYear = await repo.lastInsuredYear(row.id_number, body.year);
        const quoteAs = (category: EnrolmentRow['category']) =>
          quote(policy, {
            regionCode,
            year: body.year,
            tier,
            category,
            paidOn: body.paidOn,
            identities: body.identities,
            ...(category === 'newborn' ? { birthDate: person.birth_date } : {}),
            ...(row?.student_status ? { studentStatus: row.student_status } : {}),
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
        if (body.amountFen !== q.personalFen) {
          throw new UnprocessableError(
            'AMOUNT_MISMATCH',
            `Paid ${body.amountFen} fen; the personal part on ${body.paidOn} is ${q.personalFen} fen.`,
            { expectedFen: q.personalFen, paidFen: body.amountFen },
          );
        }
        const paid = await repo.update(row.id_number, row.year, {
          status: 'paid',
          category,
          tier,
          policy_id: q.policyId,
          policy_version: policyVersion(inForce, q.policyId),
          identities: body.identities,
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
          reasons: JSON.stringify(q.reasons),
        });
        await recordAudit(trx, SERVICE, actor, {
          action: 'enrolment.pay',
          entity: 'enrolment',
          entityId: `${maskIdNumber(paid.id_number)}/${paid.year}`,
          regionCode: paid.region_code,
          details: { paymentId, amountFen: body.amountFen, channel: body.channel ?? null },
        });
        await recordEvent(trx, 'enrolment.paid', {
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
      });
      return { applied: outcome.applied, enrolment: toEnrolment(outcome.row, shanghaiToday()) };
    },

    async cancel(actor: Actor, idNumber: string, year: number, reason: 'death' | 'moved' | 'duplicate', on: string) {
      return transition(actor, idNumber, year, 'enrolment.cancelled', (row) => {
        if (row.status === 'cancelled' || row.status === 'transferred') {
          throw new ConflictError('INVALID_TRANSITION', `A ${row.status} enrolment cannot be cancelled.`);
        }
        return { status: 'cancelled', cancel_reason: reason, cancelled_on: on };
      });
    },

    /** Moving to employee insurance keeps resident cover until employee cover begins (002#四(三)). */
    async transfer(actor: Actor, idNumber: string, year: number, employeeCoverFrom: string) {
      return transition(actor, idNumber, year, 'enrolment.transferred', (row) => {
        if (row.status !== 'paid') {
          throw new ConflictError(
            'INVALID_TRANSITION',
            `Only a paid enrolment moves to employee insurance; this one is ${row.status}.`,
          );
        }
        const dayBefore = addDays(employeeCoverFrom, -1);
        const end = row.benefit_end && row.benefit_end < dayBefore ? row.benefit_end : dayBefore;
        return { status: 'transferred', employee_cover_from: employeeCoverFrom, benefit_end: end };
      });
    },

    /** A newborn not enrolled alone, covered from birth through a guardian's paid enrolment (002#三(一), 003#三). */
    async coverNewborn(actor: Actor, idNumber: string, guardianIdNumber: string, year: number): Promise<Enrolment> {
      const inForce = await policies();
      const row = await db.transaction().execute(async (trx) => {
        const newborn = await findPerson(trx, idNumber);
        if (!newborn) throw personNotFound(idNumber);
        if (!newborn.birth_date.startsWith(`${year}-`)) {
          throw new UnprocessableError('NOT_A_NEWBORN', `Born ${newborn.birth_date}, not in ${year}.`);
        }
        const guardian = await createEnrolmentsRepository(trx).find(guardianIdNumber, year);
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
        const inserted = await createEnrolmentsRepository(trx).insertIfAbsent({
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
          paid_on: shanghaiToday(),
          benefit_start: newborn.birth_date,
          benefit_end: `${year}-12-31`,
          waiting_days: 0,
          reasons: JSON.stringify(reasons),
          created_by: actor.principal?.keyId ?? null,
        });
        if (!inserted)
          throw new ConflictError('ENROLLMENT_EXISTS', `The newborn already has an enrolment for ${year}.`);
        await recordAudit(trx, SERVICE, actor, {
          action: 'enrolment.newborn-cover',
          entity: 'enrolment',
          entityId: `${maskIdNumber(idNumber)}/${year}`,
          regionCode: inserted.region_code,
        });
        await recordEvent(trx, 'enrolment.paid', {
          idNumber,
          year,
          regionCode: inserted.region_code,
          basis: 'guardian',
          benefitStart: inserted.benefit_start,
          benefitEnd: inserted.benefit_end,
        });
        return inserted;
      });
      return toEnrolment(row, shanghaiToday());
    },
  };

  async function transition(
    actor: Actor,
    idNumber: string,
    year: number,
    topic: 'enrolment.cancelled' | 'enrolment.transferred',
    change: (row: EnrolmentRow) => Parameters<ReturnType<typeof createEnrolmentsRepository>['update']>[2],
  ): Promise<Enrolment> {
    const row = await db.transaction().execute(async (trx) => {
      const repo = createEnrolmentsRepository(trx);
      const current = await repo.findForUpdate(idNumber, year);
      if (!current)
        throw new NotFoundError('ENROLLMENT_NOT_FOUND', `No ${year} enrolment for ${maskIdNumber(idNumber)}.`);
      if (actor.principal) assertRegionInScope(actor.principal, current.region_code, `Region ${current.region_code}`);
      const updated = await repo.update(idNumber, year, change(current));
      await recordAudit(trx, SERVICE, actor, {
        action: topic,
        entity: 'enrolment',
        entityId: `${maskIdNumber(idNumber)}/${year}`,
        regionCode: updated.region_code,
        details: { from: current.status, to: updated.status },
      });
      await recordEvent(trx, topic, { idNumber, year, regionCode: updated.region_code, status: updated.status });
      return updated;
    });
    return toEnrolment(row, shanghaiToday());
  }
}

function sameTarget(row: EnrolmentRow, paymentId: string, body: ApplyPaymentBody): EnrolmentRow {
  if (row.id_number !== body.idNumber || row.year !== body.year) {
    throw new ConflictError('PAYMENT_ID_REUSED', `Payment ${paymentId} was already applied to another enrolment.`);
  }
  return row;
}

/** The conflict an existing enrolment for the year means for a new registration in `regionCode`. */
function enrolmentConflict(existing: EnrolmentRow, regionCode: string): ConflictError {
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
    {
      regionCode: existing.region_code,
    },
  );
}

export type EnrolmentService = ReturnType<typeof createEnrolmentService>;
