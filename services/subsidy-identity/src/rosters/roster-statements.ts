// The roster's statements, on a session of its own: who holds the identities on the day, with
// their enrolment of the year, into a temp table once; then its totals by grouping sets, and its
// rows a page at a time in (village, ID number) order. Set-based throughout: a million spells
// are never in the service's memory.

export const ROSTER_TABLE = 'roster_people';

/**
 * `$1` department (null: all), `$2` region prefix ('' for everywhere), `$3` the day, `$4` the
 * year. One row per person and village: the identities held there on the day, the latest name a
 * list gave, and the enrolment's state for the year (enrollment.v_enrollment_facts): none or
 * cancelled is unregistered, paid or transferred (paid, then moved away) is paid, else registered.
 */
export const FILL_ROSTER = `
create temp table ${ROSTER_TABLE} as
select h.village_code, h.id_number, h.name, h.identities,
       case when f.id_number is null or f.stored_status = 'cancelled' then 'unregistered'
            when f.stored_status in ('paid', 'transferred') then 'paid'
            else 'registered' end as status,
       case when f.stored_status in ('paid', 'transferred') then coalesce(f.paid_fen, 0) end as paid_fen
from (
  select s.region_code as village_code, s.id_number,
         array_agg(distinct s.identity_code) as identities,
         (array_agg(s.name order by s.valid_from desc) filter (where s.name is not null))[1] as name
  from identity.spells s
  where (s.valid_to is null or s.valid_to >= s.valid_from)
    and ($1::text is null or s.department = $1::text)
    and starts_with(s.region_code, $2::text)
    and s.valid_from <= $3::date and (s.valid_to is null or s.valid_to >= $3::date)
  group by s.region_code, s.id_number
) h
left join enrollment.v_enrollment_facts f on f.id_number = h.id_number and f.year = $4::int`;

export const INDEX_ROSTER = `create index on ${ROSTER_TABLE} (village_code, id_number); analyze ${ROSTER_TABLE}`;

const COUNTS = `
  count(*)::int as persons,
  count(*) filter (where status = 'unregistered')::int as unregistered,
  count(*) filter (where status = 'registered')::int as registered,
  count(*) filter (where status = 'paid')::int as paid,
  coalesce(sum(paid_fen), 0)::bigint as paid_fen`;

/** Totals of everyone and of each identity, per village, per township and overall. */
export const ROSTER_TOTALS = `
with p as (select left(village_code, 9) as township_code, * from ${ROSTER_TABLE})
select case when grouping(village_code) = 0 then 'village' when grouping(township_code) = 0 then 'township' else 'all' end as level,
       township_code, village_code, null::text as identity, ${COUNTS}
from p
group by grouping sets ((township_code, village_code), (township_code), ())
union all
select case when grouping(village_code) = 0 then 'village' when grouping(township_code) = 0 then 'township' else 'all' end,
       township_code, village_code, i.identity, ${COUNTS}
from p cross join lateral unnest(p.identities) as i(identity)
group by grouping sets ((township_code, village_code, i.identity), (township_code, i.identity), (i.identity))`;

/** A page of the roster after (village, ID number), keeping people of `$3` status ('all' for everyone). */
export const ROSTER_PAGE = `
select village_code, id_number, name, identities, status, paid_fen
from ${ROSTER_TABLE}
where (village_code, id_number) > ($1::text, $2::text) and ($3::text = 'all' or status = $3::text)
order by village_code, id_number
limit $4::int`;

export const DROP_ROSTER = `drop table if exists ${ROSTER_TABLE}`;
