import type { PaymentImportCounts } from '@rmi/contracts';
import type pg from 'pg';
import { FACTS_TABLE } from './import-checks.js';
import type { ImportSource, PaymentField } from './import-columns.js';
import { STAGING_TABLE } from './import-staging.js';

// The part of an import that compares it with what is recorded, under the import lock, inside the
// import's one transaction: each payment row is new, unchanged (recorded with the same content)
// or VOUCHER_REUSED; each reversal row finds the payment it reverses (recorded, or new in this
// file) or is REVERSAL_UNMATCHED / ALREADY_REVERSED. Then every bad line is stored with its cells,
// and, unless nothing may be recorded, the new payments and reversals are inserted set-wise, with
// one `payments.imported` event per (village, channel, day) they fall on, written set-wise into
// payment.outbox: an event per row (a jsonb payload and an outbox row each) cost more than the
// payment itself, and what reporting reads from them (funding by channel and village) is the sums.

export const CLASS_TABLES = ['pay_cls', 'rev_cls'] as const;

/**
 * Payment rows against the payments recorded ($1 the year). The same content: the same person,
 * year and amounts, and the same instant (a row giving a day alone: the same payment day); a
 * tier only when both sides name one.
 */
const PAYMENTS = `
create temp table pay_cls as
select f.line, f.id, f.vch, f.chan, f.amt, f.ast, f.paid_at, f.precise, f.tier, f.village, f.enrolled,
       f.office, f.category, f.batch, f.payer, p.id as pid,
       case when p.id is null then 'new'
            when p.id_number = f.id and p.year = $1::int and p.amount_fen = f.amt and p.assistance_fen = f.ast
                 and (case when f.precise then p.paid_at = f.paid_at
                           else p.paid_on = (f.paid_at at time zone 'Asia/Shanghai')::date end)
                 and (f.tier is null or p.tier is null or p.tier = f.tier) then 'unchanged'
            else 'reused' end as class
from ${FACTS_TABLE} f
left join payment.payments p on p.channel = f.chan and p.voucher_number = f.vch
where not f.rev and f.state is null`;

/**
 * Reversal rows: the payment of their original voucher, recorded or new in this file, of the same
 * person; a payment reversed already counts as unchanged when the reversal is the same one (its
 * own voucher, when both name one).
 */
const REVERSALS = `
create temp table rev_cls as
select f.line, f.id, f.orig, f.rvch, f.chan, f.paid_at, p.id as pid, n.line as orig_line,
       case when p.id is not null then
              case when p.id_number <> f.id then 'person'
                   when x.payment_id is not null then
                     case when x.voucher_number is null or f.rvch is null or x.voucher_number = f.rvch
                          then 'unchanged' else 'already' end
                   else 'new' end
            when n.line is not null then case when n.id <> f.id then 'person' else 'new' end
            else 'unmatched' end as class
from ${FACTS_TABLE} f
left join payment.payments p on p.channel = f.chan and p.voucher_number = f.orig
left join payment.reversals x on x.payment_id = p.id
left join pay_cls n on p.id is null and n.class = 'new' and n.chan = f.chan and n.vch = f.orig
where f.rev and f.state is null`;

/** A one-error JSON array for a row error: column, code and message are SQL expressions. */
const rowError = (column: string, code: string, message: string) =>
  `jsonb_build_array(jsonb_build_object('column', ${column}, 'code', '${code}', 'message', ${message}))`;

/**
 * Every bad line once with its errors and its cells as sent ($1 import, $2 the cells' keys, $3 the
 * key's region, $4 … $7 how the file heads the ID, region, voucher and original voucher columns).
 * A line's errors come from one step: its cells, or the file (region, repeats), or what is
 * recorded.
 */
const ERRORS = (columns: number) => `
insert into payment.import_errors (import_id, line, errors, cells)
select $1::uuid, b.line, b.errors, jsonb_object($2::text[], array[${Array.from({ length: columns }, (_, i) => `r.c${i}`).join(', ')}]::text[])
from (
  select line, problems::jsonb as errors from ${STAGING_TABLE} where problems is not null
  union all
  select line, case state
    when 'scope' then ${rowError(
      `case when enrolled or region is null then $4::text else $5::text end`,
      'OUT_OF_SCOPE',
      `case when enrolled then 'the person is enrolled in ' || region
            when region is not null then '统筹地区 ' || region
            else 'the person has no enrolment this year and the row names no 统筹地区' end
       || ', outside the region ' || $3::text || ' of this key'`,
    )}
    when 'reused-file' then ${rowError('$6::text', 'VOUCHER_REUSED', `'voucher ' || vch || ' is on line ' || first_line || ' with other content'`)}
    when 'already-file' then ${rowError(
      '$7::text',
      'ALREADY_REVERSED',
      `'voucher ' || orig || ' is reversed on line ' || first_line || ' already'`,
    )}
    end
  from ${FACTS_TABLE} where state in ('scope', 'reused-file', 'already-file')
  union all
  select line, ${rowError(
    '$6::text',
    'VOUCHER_REUSED',
    `'voucher ' || vch || ' (' || chan || ') was recorded before with other content (payment ' || pid || ')'`,
  )}
  from pay_cls where class = 'reused'
  union all
  select line, case class
    when 'unmatched' then ${rowError(
      '$7::text',
      'REVERSAL_UNMATCHED',
      `'no payment with voucher ' || orig || ' (' || chan || '), recorded or in this file'`,
    )}
    when 'person' then ${rowError(
      '$7::text',
      'REVERSAL_UNMATCHED',
      `'voucher ' || orig || ' was paid for another person' || coalesce(' (line ' || orig_line || ')', '')`,
    )}
    else ${rowError('$7::text', 'ALREADY_REVERSED', `'the payment of voucher ' || orig || ' is reversed already, by another voucher'`)}
    end
  from rev_cls where class in ('unmatched', 'person', 'already')
) b
join ${STAGING_TABLE} r using (line)`;

/**
 * The new payments ($1 import, $2 year, $3 source, $4 recorded by). A payment's id is
 * `<import id>:<line>` (the line zero-padded): it names the row it came from, and pay_cls holds
 * the rows in the file's order (each table here is read and written in the order of the one
 * before), so the primary key grows at one end instead of at a random place per row, without
 * sorting a million rows to make sure. A person with no enrolment of the
 * year and no village is parked (PERSON_NOT_FOUND): the money is kept, and reconciles as
 * paid-not-enrolled.
 */
const INSERT_PAYMENTS = `
insert into payment.payments
  (id, channel, voucher_number, id_number, year, tier, amount_fen, assistance_fen, paid_at, paid_on, village_code,
   payer_name, source, import_id, line, tax_office_code, assistance_category, request_batch, status,
   problem_code, problem_detail, recorded_by)
select $1::text || ':' || lpad(line::text, 9, '0'), chan, vch, id, $2::int, tier, amt, ast, paid_at, (paid_at at time zone 'Asia/Shanghai')::date, village,
       payer, $3::text, $1::uuid, line, office, category, batch,
       case when not enrolled and village is null then 'parked' else 'recorded' end,
       case when not enrolled and village is null then 'PERSON_NOT_FOUND' end,
       case when not enrolled and village is null
            then 'no enrolment in ' || $2::int || ' and no village (统筹地区 / 参保地) on the export' end,
       $4::text
from pay_cls where class = 'new'`;

/** The payments the reversals new in this file reverse, now that those payments are recorded. */
const PAIR_NEW = `
update rev_cls r set pid = p.id
from payment.payments p
where r.class = 'new' and r.pid is null and p.channel = r.chan and p.voucher_number = r.orig`;

/** The new reversals ($1 import, $2 source, $3 recorded by). */
const INSERT_REVERSALS = `
insert into payment.reversals
  (payment_id, reversed_at, reversed_on, reason, voucher_number, source, import_id, line, recorded_by)
select pid, paid_at, (paid_at at time zone 'Asia/Shanghai')::date,
       'reversed (冲正/作废) on line ' || line || ' of a ' || $2::text || ' export', rvch, $2::text, $1::uuid, line, $3::text
from rev_cls where class = 'new'
order by pid`;

/**
 * The import's events ($1 import): per (village, channel, day), the new payments paid that day and
 * the new reversals made that day (of payments of that village and channel), with their sums.
 */
const INSERT_EVENTS = `
insert into payment.outbox (topic, payload)
select 'payments.imported', jsonb_build_object(
  'importId', $1::text, 'villageCode', village, 'channel', chan, 'day', day,
  'payments', sum(payments), 'paymentsFen', sum(payments_fen), 'assistanceFen', sum(assistance_fen),
  'reversals', sum(reversals), 'reversalsFen', sum(reversals_fen))
from (
  select village, chan, (paid_at at time zone 'Asia/Shanghai')::date as day,
         1 as payments, amt + ast as payments_fen, ast as assistance_fen, 0 as reversals, 0::bigint as reversals_fen
  from pay_cls where class = 'new'
  union all
  select p.village_code, p.channel, (r.paid_at at time zone 'Asia/Shanghai')::date,
         0, 0::bigint, 0::bigint, 1, p.amount_fen + p.assistance_fen
  from rev_cls r join payment.payments p on p.id = r.pid
  where r.class = 'new'
) m
group by day, chan, village
order by day, chan, village`;

export interface Classified {
  counts: PaymentImportCounts;
}

const tally = (rows: { class: string; n: number }[]) =>
  Object.fromEntries(rows.map((r) => [r.class, r.n])) as Record<string, number | undefined>;

/** Classifies the checked rows against what is recorded (the caller holds the import lock) and counts them. */
export async function classifyRows(
  client: pg.PoolClient,
  options: { year: number; badCells: number; states: Record<string, number> },
): Promise<PaymentImportCounts> {
  await client.query(PAYMENTS, [options.year]);
  await client.query('analyze pay_cls (line, class, chan)');
  await client.query(REVERSALS);
  const payments = tally(
    (
      await client.query<{ class: string; n: number }>(
        `select class, count(*)::int as n from pay_cls group by class
         union all select 'parked', count(*)::int from pay_cls where class = 'new' and not enrolled and village is null`,
      )
    ).rows,
  );
  const reversals = tally(
    (await client.query<{ class: string; n: number }>('select class, count(*)::int as n from rev_cls group by class'))
      .rows,
  );
  const states = options.states;
  return {
    new: payments.new ?? 0,
    reversals: reversals.new ?? 0,
    unchanged: (payments.unchanged ?? 0) + (reversals.unchanged ?? 0),
    duplicateRows: states.dup ?? 0,
    parked: payments.parked ?? 0,
    errors:
      options.badCells +
      (states.scope ?? 0) +
      (states['reused-file'] ?? 0) +
      (states['already-file'] ?? 0) +
      (payments.reused ?? 0) +
      (reversals.unmatched ?? 0) +
      (reversals.person ?? 0) +
      (reversals.already ?? 0),
  };
}

/** Stores every bad line of the import with its errors and cells. */
export async function storeErrors(
  client: pg.PoolClient,
  options: {
    importId: string;
    cellKeys: readonly string[];
    scope: string;
    headerOf: (field: PaymentField) => string;
    /** Whether the file has a 原税票号码 column: a reversal's errors are about it, else about the voucher. */
    hasOriginalColumn: boolean;
  },
): Promise<void> {
  const { headerOf } = options;
  await client.query(ERRORS(options.cellKeys.length), [
    options.importId,
    options.cellKeys,
    options.scope,
    headerOf('idNumber'),
    headerOf('region'),
    headerOf('voucher'),
    options.hasOriginalColumn ? headerOf('originalVoucher') : headerOf('voucher'),
  ]);
}

/** Records the new payments and reversals and their events; returns how many of each were written. */
export async function recordRows(
  client: pg.PoolClient,
  options: { importId: string; year: number; source: ImportSource; recordedBy: string | null },
): Promise<{ payments: number; reversals: number }> {
  const inserted = await client.query(INSERT_PAYMENTS, [
    options.importId,
    options.year,
    options.source,
    options.recordedBy,
  ]);
  await client.query(PAIR_NEW);
  const reversed = await client.query(INSERT_REVERSALS, [options.importId, options.source, options.recordedBy]);
  if ((inserted.rowCount ?? 0) + (reversed.rowCount ?? 0) > 0) await client.query(INSERT_EVENTS, [options.importId]);
  return { payments: inserted.rowCount ?? 0, reversals: reversed.rowCount ?? 0 };
}
