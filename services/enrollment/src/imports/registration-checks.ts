import {
  CATEGORY_VALUES,
  RELATION_VALUES,
  type RegistrationField,
  SEX_VALUES,
  TIER_VALUES,
} from './registration-columns.js';

const ID_MESSAGES: Record<string, string> = {
  format: 'idNumber: must be 18 characters (17 digits and a digit or X) or 15 digits',
  region: 'idNumber: the first two digits are not a province code',
  'birth-date': 'idNumber: the birth date in it is not a valid past date',
  checksum: 'idNumber: the check character does not match (GB 11643)',
  'excel-number':
    'idNumber: Excel turned it into a number (like 1.10105E+17) and lost digits; format the column as text',
};

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const valuesList = (map: Record<string, string | number>) =>
  Object.entries(map)
    .map(([k, v]) => `(${literal(k.toLowerCase())}, ${typeof v === 'number' ? v : literal(v)})`)
    .join(', ');

export interface CheckParams {
  /** File column index of each recognised field. */
  columns: Partial<Record<RegistrationField, number>>;
}

/**
 * One statement that reads every staged row once and writes `import_checked`: the row's values
 * normalised, and `reasons`, every problem of the row as `field: message`. Parameters: $1 year,
 * $2 the key's region prefix ('' for all), $3 villages without a policy for the year, $4 villages
 * whose policy has a single tier, $5 the default village (a collector's own) or null.
 */
export function checkStatement({ columns }: CheckParams): string {
  const col = (f: RegistrationField) =>
    columns[f] === undefined ? 'null::text' : `nullif(btrim(r.c${columns[f]}), '')`;
  const anyValue = (Object.keys(columns) as RegistrationField[]).map((f) => col(f)).join(', ');
  return `
create temp table import_checked as
with rows as (
  select r.line,
         nullif(r.id, '') as id,
         nullif(r.id_problem, '') as id_problem,
         ${col('name')} as name,
         coalesce(${col('villageCode')}, $5::text) as village,
         lower(${col('category')}) as category_raw,
         ${col('tier')} as tier_raw,
         ${col('phone')} as phone,
         lower(${col('sex')}) as sex_raw,
         regexp_replace(${col('birthDate')}, '[-/.年月日]', '', 'g') as birth_raw,
         ${col('school')} as school,
         ${col('householdNumber')} as household_number,
         lower(${col('relation')}) as relation_raw,
         upper(${col('guardianIdNumber')}) as guardian,
         coalesce(${anyValue}) is null as blank
  from import_rows r
  offset 0
), checked as (
  select n.*
  from rows n
  where not n.blank
  offset 0
), joined as (
  select c.*,
         cm.v as category, tm.v as tier, sm.v as sex, rm.v as relation,
         g.level as village_level,
         p.name as person_name, p.died_on, p.household_id as person_household,
         h.id as household_id, h.head_id_number as household_head,
         ${columns.guardianIdNumber === undefined ? 'false' : 'gp.id_number is not null or gf.id is not null'} as guardian_known,
         e.region_code as enrolled_in, e.status as enrolled_status,
         x.kind as elsewhere_kind, x.insurer as elsewhere_insurer,
         count(*) over (partition by c.id) as copies,
         min(c.line) over (partition by c.id) as first_line,
         count(*) filter (where rm.v = 'head') over (partition by c.village, c.household_number) as file_heads
  from checked c
  left join (values ${valuesList(CATEGORY_VALUES)}) cm(k, v) on cm.k = coalesce(c.category_raw, 'resident')
  left join (values ${valuesList(TIER_VALUES)}) tm(k, v) on tm.k = coalesce(c.tier_raw, '1')
  left join (values ${valuesList(SEX_VALUES)}) sm(k, v) on sm.k = c.sex_raw
  left join (values ${valuesList(RELATION_VALUES)}) rm(k, v)
    on rm.k = coalesce(c.relation_raw, case when c.household_number is not null then 'other' end)
${
  columns.householdNumber === undefined
    ? '  left join (select null::uuid as id, null::char(18) as head_id_number) h on false'
    : '  left join enrollment.households h on h.region_code = c.village and h.number = c.household_number'
}
${
  columns.guardianIdNumber === undefined
    ? ''
    : `  left join enrollment.persons gp on gp.id_number = c.guardian
  left join (select distinct g2.id from checked g2 where g2.id in (select guardian from checked)) gf
    on gf.id = c.guardian`
}
  left join core.regions g on g.code = c.village
  left join enrollment.persons p on c.id_problem is null and p.id_number = c.id
  left join enrollment.enrolments e on c.id_problem is null and e.id_number = c.id and e.year = $1::int
  left join lateral (
    select kind, insurer from enrollment.external_coverages x
    where c.id_problem is null and x.id_number = c.id and x.year = $1::int
    order by kind limit 1
  ) x on true
)
select line, id, name, village, category, tier, phone, school, household_number, relation, guardian,
       enrolled_in is not null and enrolled_in = village as unchanged,
       person_name is not null as person_exists,
       array_remove(array[
         case id_problem ${Object.entries(ID_MESSAGES)
           .map(([k, v]) => `when ${literal(k)} then ${literal(v)}`)
           .join(' ')} end,
         case when id_problem is null and copies > 1 and line <> first_line
              then 'idNumber: also on line ' || first_line end,
         case when name is null then 'name: required'
              when char_length(name) > 100 then 'name: longer than 100 characters'
              when person_name is not null and person_name <> name
              then 'name: differs from the name registered for this ID number' end,
         case when village is null then 'villageCode: required'
              when village_level is distinct from 'village' then 'villageCode: ' || village || ' is not a loaded village code'
              when $2::text <> '' and not starts_with(village, $2::text)
              then 'villageCode: ' || village || ' is outside the region of this API key'
              when village = any($3::text[]) then 'villageCode: no policy covers ' || village || ' in ' || $1::int::text end,
         case when category is null then 'category: not one of resident, student, college-student, newborn, residence-permit, foreign-permanent-resident, hk-macau-taiwan (or 城乡居民, 学生, 大学生, 新生儿, 居住证 …)' end,
         case when tier is null then 'tier: 1 or 2 (一档, 二档)'
              when tier = 2 and village = any($4::text[]) then 'tier: the policy for ' || village || ' has a single tier' end,
         case when phone is not null and phone !~ '^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$'
              then 'phone: not a mobile or landline number' end,
         case when sex_raw is not null and sex is null then 'sex: 男 or 女 (male or female)'
              when id_problem is null and sex is not null
                   and sex <> (case when substr(id, 17, 1)::int % 2 = 1 then 'male' else 'female' end)
              then 'sex: does not match the ID number' end,
         case when birth_raw is not null and id_problem is null and birth_raw <> substr(id, 7, 8)
              then 'birthDate: does not match the ID number' end,
         case when died_on is not null then 'idNumber: the person is registered as deceased' end,
         case when category = 'student' and school is null then 'school: required for a student' end,
         case when category = 'newborn' and guardian is null then 'guardianIdNumber: required for a newborn'
              when guardian is not null and not guardian_known
              then 'guardianIdNumber: not registered and not in this file' end,
         case when relation_raw is not null and relation is null
              then 'relation: 户主, 配偶, 子女, 父母, 孙子女, 兄弟姐妹 or 其他 (head, spouse, child, parent, grandchild, sibling, other)'
              when relation_raw is not null and household_number is null then 'householdNumber: required with a relation'
              when household_number is not null and file_heads = 0 and household_head is null
              then 'householdNumber: household ' || household_number || ' has no head (户主) in this file or the register'
              when relation = 'head' and (file_heads > 1 or (household_head is not null and household_head <> id))
              then 'relation: household ' || household_number || ' has another head' end,
         case when person_household is not null and person_household is distinct from household_id
              then 'householdNumber: already a member of another household' end,
         case when elsewhere_kind = 'employee'
              then 'DUPLICATE_INSURANCE: holds employee insurance for ' || $1::int::text || ' (' || elsewhere_insurer || ')'
              when elsewhere_kind is not null
              then 'DUPLICATE_INSURANCE: insured for ' || $1::int::text || ' elsewhere (' || elsewhere_insurer || ')' end,
         case when enrolled_in is not null and left(enrolled_in, 6) <> left(coalesce(village, ''), 6)
              then 'DUPLICATE_INSURANCE: already enrolled for ' || $1::int::text || ' in region ' || enrolled_in
              when enrolled_in is not null and enrolled_in <> village
              then 'villageCode: already enrolled for ' || $1::int::text || ' in village ' || enrolled_in end
       ], null) as reasons
from joined`;
}
