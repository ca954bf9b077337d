import type { ReconciliationClass } from '@rmi/rules';
import { type RawBuilder, sql } from 'kysely';
import type { AssistanceRow, PriceRange } from './policy-data.js';
import { assistanceRelation, cappedDue, classified, dueAssistance } from './reconciliation-sql.js';

export interface RunStatementInput {
  runId: string;
  /** A county, township or village code: the person-years whose village starts with it. */
  regionCode: string;
  year: number;
  asOf: Date;
  assistance: readonly AssistanceRow[];
  prices: readonly PriceRange[];
  unpaidDay: string | null;
}

/** Per class, what the statement wrote. */
export interface ClassTotals {
  class: ReconciliationClass;
  n: number;
  expected_fen: number;
  paid_fen: number;
  owed_fen: number;
}

/**
 * The advisory lock two runs of one county and year queue on (a township's run and its county's
 * too): taken for the transaction, so it goes with the commit or the rollback.
 */
export function runLock(regionCode: string, year: number): RawBuilder<unknown> {
  return sql`select pg_advisory_xact_lock(hashtext('payment.reconciliation_runs'), hashtext(${`${regionCode.slice(0, 6)}/${year}`}))`;
}

/**
 * One statement classifies every person-year of the region and writes the run's items, answering
 * per class what it wrote:
 *
 * - registered: the enrolments of the year under the region (one per person and year), those not
 *   cancelled standing, with the full part as enrollment priced it (personal + assistance);
 * - counted: the payments of the year recorded by the cut-off, of a person registered there or
 *   with a village there, each with whether a reversal recorded by the cut-off took it back;
 * - a person-year is the region's by its standing enrolment, or, with none of the year anywhere,
 *   by its payments' village, or without one by its cancelled enrolment's (a registration a death
 *   cancelled, then paid for: the payment of a registered person names no village);
 * - a registration enrollment has not priced takes the policy's price (PriceRange) on its payment
 *   day, or on `unpaidDay` with no payment;
 * - the identities held on the day of the one effective payment (identity.v_identity_spells) bring
 *   the assistance of the policy's table (just the amounts: the rules' `assistanceTable`);
 * - then the rules' classification, in SQL (reconciliation-sql.ts).
 */
export function runStatement(input: RunStatementInput): RawBuilder<ClassTotals> {
  const { runId, year, asOf } = input;
  const prefix = `${input.regionCode}%`;
  return sql<ClassTotals>`
    with registered as (
      select f.id_number, f.village_code, f.category, f.tier, f.name, f.died_on,
             f.stored_status <> 'cancelled' as standing,
             f.personal_fen + f.assistance_fen as priced_full_fen
      from enrollment.v_enrollment_facts f
      where f.year = ${year} and f.village_code like ${prefix}
    ),
    -- Every branch below is a join of its own: a subquery under an OR is run once per row when
    -- its hash does not fit in work_mem, which at a county's size is never.
    counted as (
      select p.id, p.id_number, p.amount_fen, p.assistance_fen, p.paid_on, p.tier, p.village_code,
             (r.payment_id is not null) as reversed
      from (
        select p.* from payment.payments p
        where p.year = ${year} and p.recorded_at <= ${asOf}
          and p.id_number in (select id_number from registered)
        union all
        select p.* from payment.payments p
        where p.year = ${year} and p.recorded_at <= ${asOf} and p.village_code like ${prefix}
          and not exists (select 1 from registered g where g.id_number = p.id_number)
      ) p
      left join payment.reversals r on r.payment_id = p.id and r.recorded_at <= ${asOf}
    ),
    paid as (
      select id_number,
             (count(*) filter (where not reversed))::int as effective_count,
             (count(*) filter (where reversed))::int as reversed_count,
             coalesce(sum(amount_fen) filter (where not reversed), 0)::bigint as paid_fen,
             coalesce(sum(assistance_fen) filter (where not reversed), 0)::bigint as paid_assistance_fen,
             max(paid_on) filter (where not reversed) as paid_on,
             max(tier) filter (where not reversed) as paid_tier,
             min(village_code) as village_code,
             array_agg(id order by id) as payment_ids
      from counted
      group by id_number
    ),
    prices as (
      select * from jsonb_to_recordset(${JSON.stringify(input.prices)}::jsonb)
        as pr(category text, tier int, from_day date, to_day date, full_fen bigint)
    ),
    enrolled_years as (
      select e.id_number, true as enrolled, e.village_code, e.name, e.died_on,
             coalesce(pd.paid_tier, e.tier) as tier,
             coalesce(e.priced_full_fen, pr.full_fen) as full_fen,
             coalesce(pd.effective_count, 0) as effective_count,
             coalesce(pd.reversed_count, 0) as reversed_count,
             coalesce(pd.paid_fen, 0) as paid_fen,
             coalesce(pd.paid_assistance_fen, 0) as paid_assistance_fen,
             pd.paid_on,
             coalesce(pd.payment_ids, '{}') as payment_ids
      from registered e
      left join paid pd on pd.id_number = e.id_number
      left join prices pr
        on e.priced_full_fen is null and pr.category = e.category and pr.tier = coalesce(pd.paid_tier, e.tier)
       and coalesce(pd.paid_on, ${input.unpaidDay}::date) between pr.from_day and pr.to_day
      where e.standing
    ),
    -- Money with no enrolment standing here: the region's when no enrolment of the year stands
    -- anywhere and its village is here, or, naming none, the cancelled enrolment's (a registration
    -- a death cancelled, then paid for: a registered person's payment names no village). Set apart
    -- first, so the look-ups below are made for these few only.
    strays as materialized (
      select pd.*, gone.id_number as gone_id, gone.village_code as gone_village, gone.name as gone_name,
             gone.died_on as gone_died_on
      from paid pd
      left join registered gone on gone.id_number = pd.id_number
      where gone.standing is not true
    ),
    unenrolled_years as (
      select s.id_number, false as enrolled,
             coalesce(s.village_code, s.gone_village) as village_code,
             coalesce(s.gone_name, other.name) as name,
             coalesce(s.gone_died_on, other.died_on) as died_on,
             s.paid_tier as tier, null::bigint as full_fen,
             s.effective_count, s.reversed_count, s.paid_fen, s.paid_assistance_fen, s.paid_on, s.payment_ids
      from strays s
      left join lateral (
        select f.name, f.died_on from enrollment.v_enrollment_facts f
        where s.gone_id is null and f.id_number = s.id_number
        order by f.year desc
        limit 1
      ) other on true
      where coalesce(s.village_code, s.gone_village) like ${prefix}
        and not exists (
          select 1 from enrollment.v_enrollment_facts f
          where f.id_number = s.id_number and f.year = ${year} and f.stored_status <> 'cancelled')
    ),
    person_years as (
      select * from enrolled_years
      union all
      select * from unenrolled_years
    ),
    held as (
      select py.id_number as key, py.tier, s.identity_code
      from person_years py
      join identity.v_identity_spells s
        on s.id_number = py.id_number and s.valid_from <= py.paid_on
       and (s.valid_to is null or s.valid_to >= py.paid_on)
      where py.effective_count = 1 and py.full_fen is not null
    ),
    due as (${dueAssistance(sql`select key, tier, identity_code from held`, assistanceRelation(input.assistance))}),
    facts as (
      select py.*, ${cappedDue(sql`d.fen`, sql`py.effective_count`, sql`py.full_fen`)} as due_assistance_fen
      from person_years py
      left join due d on d.key = py.id_number
    ),
    inserted as (
      insert into payment.reconciliation_items
        (run_id, id_number, name, village_code, class, expected_fen, paid_fen, owed_fen, payment_ids)
      select ${runId}::uuid, c.id_number, c.name, c.village_code, c.class, c.expected_fen, c.paid_fen, c.owed_fen,
             c.payment_ids
      from (${classified(sql`select * from facts`)}) c
      returning class, expected_fen, paid_fen, owed_fen
    )
    select class, count(*)::int as n,
           coalesce(sum(expected_fen), 0)::bigint as expected_fen,
           coalesce(sum(paid_fen), 0)::bigint as paid_fen,
           coalesce(sum(owed_fen), 0)::bigint as owed_fen
    from inserted
    group by class`;
}
