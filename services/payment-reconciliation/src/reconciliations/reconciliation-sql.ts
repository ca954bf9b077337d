import { type RawBuilder, sql } from 'kysely';
import type { AssistanceRow } from './policy-data.js';

// The SQL twins of two rules, so a run classifies a whole region in one statement: the CASE of
// `classifyPersonYear` and the max of `chooseAssistance(...).best?.fen` (rules/reconciliation.ts,
// rules/assistance.ts). They live here alone, and test/reconciliation-sql.test.ts holds them to the
// rules answer for answer over generated facts; a change to either rule fails that test until its
// twin here follows.

/**
 * A relation of the identities held, one row per (key, tier, identity_code), made into the
 * assistance they bring per key: the highest amount of the tier among the identities the table
 * lists (就高). An identity the table does not list, or lists only for the other tier, brings
 * nothing; ties do not matter to the amount. `table` is `assistanceRelation(...)`.
 */
export function dueAssistance(held: RawBuilder<unknown>, table: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    select h.key, max(case h.tier when 1 then a.tier1_fen when 2 then a.tier2_fen end) as fen
    from (${held}) h
    join (${table}) a on a.code = h.identity_code
    group by h.key`;
}

/**
 * `PersonYearFacts.dueAssistanceFen` from the amount `dueAssistance` found (null: none): only for a
 * person-year with exactly one effective payment and a full part, capped at the full part.
 */
export function cappedDue(
  fen: RawBuilder<unknown>,
  effectiveCount: RawBuilder<unknown>,
  fullFen: RawBuilder<unknown>,
): RawBuilder<number> {
  return sql<number>`case when ${effectiveCount} = 1 and ${fullFen} is not null
    then least(coalesce(${fen}, 0), ${fullFen}) else 0 end`;
}

/** The assistance table of a policy (`assistanceTable(policy)`) as a relation (code, tier1_fen, tier2_fen). */
export function assistanceRelation(rows: readonly AssistanceRow[]): RawBuilder<unknown> {
  return sql`select code, tier1_fen, tier2_fen
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as a(code text, tier1_fen bigint, tier2_fen bigint)`;
}

/**
 * `facts` (a relation with the columns of PersonYearFacts in snake case: enrolled, full_fen,
 * due_assistance_fen, effective_count, paid_fen, paid_assistance_fen, paid_on, reversed_count,
 * died_on, and any others) with expected_fen, class and owed_fen added: `classifyPersonYear`,
 * branch for branch in its order.
 */
export function classified(facts: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    select c.*, case when c.class = 'assistance-owed' then least(c.due_assistance_fen, c.full_fen) end as owed_fen
    from (
      select e.*,
        case
          when e.effective_count = 0 then case when e.reversed_count > 0 then 'reversed' else 'unpaid' end
          when e.died_on is not null and e.paid_on is not null and e.paid_on > e.died_on then 'paid-after-death'
          when not e.enrolled or e.full_fen is null then 'paid-not-enrolled'
          when e.effective_count > 1 then 'duplicate'
          when least(e.due_assistance_fen, e.full_fen) > 0 and e.paid_assistance_fen = 0 and e.paid_fen = e.full_fen
            then 'assistance-owed'
          when e.paid_assistance_fen > 0 and e.paid_assistance_fen <> least(e.due_assistance_fen, e.full_fen)
            then 'assistance-mismatch'
          when e.paid_fen < e.expected_fen then 'underpaid'
          when e.paid_fen > e.expected_fen then 'overpaid'
          else 'matched'
        end as class
      from (
        select f.*,
          case when f.enrolled and f.full_fen is not null
            then f.full_fen - least(f.due_assistance_fen, f.full_fen) end as expected_fen
        from (${facts}) f
      ) e
    ) c`;
}
