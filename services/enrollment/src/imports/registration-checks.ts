import { EXCEL_NUMBER_MESSAGE, EXCEL_NUMBER_PATTERN } from '@rmi/ingest';
import {
  CATEGORY_VALUES,
  RELATION_VALUES,
  type RegistrationField,
  SEX_VALUES,
  TIER_VALUES,
} from './registration-columns.js';

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const valuesList = (map: Record<string, string | number>) =>
  Object.entries(map)
    .map(([k, v]) => `(${literal(k.toLowerCase())}, ${typeof v === 'number' ? v : literal(v)})`)
    .join(', ');

/**
 * One reason of a row as SQL text in the form of @rmi/ingest's formatRowError,
 * `column: message [CODE]`; `message` is an SQL expression.
 */
const reasonOf = (column: string, code: string, message: string) =>
  `${literal(`${column}: `)} || ${message} || ' [' || ${code} || ']'`;
const reason = (column: string, code: string, message: string) => reasonOf(column, literal(code), message);
const says = (column: string, code: string, message: string) => reason(column, code, literal(message));

/** The reason for a cell already found wrong: EXCEL_NUMBER when a spreadsheet shortened it, else `otherwise`. */
const unlessExcelNumber = (column: string, value: string, otherwise: string) =>
  `case when ${value} ~ ${literal(EXCEL_NUMBER_PATTERN)} then ${says(column, 'EXCEL_NUMBER', EXCEL_NUMBER_MESSAGE)} else ${otherwise} end`;

export interface CheckParams {
  /** Staging column (`c3`) of each recognised field. */
  columns: Partial<Record<RegistrationField, string>>;
  /** Whether any ID number came twice as the file streamed ($7 lists them). */
  repeats: boolean;
}

/**
 * One statement that reads every staged row once and writes `import_checked`: the row's values
 * normalised, and `reasons`, every problem of the row as `column: message [CODE]` with the API's
 * code where the API refuses the same thing. Sex, birth date and ID validity come staged from
 * rules (registration-facts.ts); eligibility and the enrolment's category are looked up in the
 * answers rules gave (registration-decisions.ts). Parameters: $1 year, $2 the key's region prefix
 * ('' for all), $3 the villages' policies, $4 the eligibility answers, $5 the category answers
 * (all three JSON), $6 the default village (a collector's own) or null, and with `repeats` $7, the
 * ID numbers seen more than once as the file streamed (only those are counted).
 */
export function checkStatement({ columns, repeats }: CheckParams): string {
  const households = columns.householdNumber !== undefined;
  // A row is its household's head when its relation cell says so (户主, 本人, head …).
  const headValues = Object.entries(RELATION_VALUES)
    .filter(([, v]) => v === 'head')
    .map(([k]) => literal(k.toLowerCase()))
    .join(', ');
  const col = (f: RegistrationField) => {
    const c = columns[f];
    return c === undefined ? 'null::text' : `nullif(btrim(r.${c}), '')`;
  };
  const anyValue = (Object.keys(columns) as RegistrationField[]).map((f) => col(f)).join(', ');
  // One expression per field, each null or the reason: every problem of a row is listed.
  const reasonCases = [
    `case when id_code is not null then ${reasonOf('idNumber', 'id_code', 'id_message')}
              when copies > 1 and line <> first_line
              then ${reason('idNumber', 'DUPLICATE_IN_FILE', `'also on line ' || first_line`)} end`,
    `case when name is null then ${says('name', 'VALIDATION_FAILED', 'required')}
              when char_length(name) > 100 then ${says('name', 'VALIDATION_FAILED', 'longer than 100 characters')}
              when person_name is not null and person_name <> name
              then ${says('name', 'PERSON_EXISTS', 'differs from the name registered for this ID number')} end`,
    `case when village is null then ${says('villageCode', 'VALIDATION_FAILED', 'required')}
              when village_level is distinct from 'village'
              then ${unlessExcelNumber('villageCode', 'village', reason('villageCode', 'REGION_UNKNOWN', `village || ' is not a loaded village code'`))}
              when $2::text <> '' and not starts_with(village, $2::text)
              then ${reason('villageCode', 'OUT_OF_SCOPE', `village || ' is outside the region of this API key'`)}
              -- Registered for the year already: the API answers that before any policy question.
              when enrolled_in is not null then null
              when policy_id is null
              then ${reason('villageCode', 'POLICY_NOT_FOUND', `'no policy covers ' || village || ' in ' || $1::int::text`)} end`,
    `case when file_category is null then ${says('category', 'VALIDATION_FAILED', 'not one of resident, student, college-student, newborn, residence-permit, foreign-permanent-resident, hk-macau-taiwan (or 城乡居民, 学生, 大学生, 新生儿, 居住证 …)')}
              when enrolled_in is null and elsewhere_insurer is null and eligibility_code = 'NOT_ELIGIBLE'
              then ${reason('category', 'NOT_ELIGIBLE', 'eligibility_message')} end`,
    `case when tier is null then ${says('tier', 'VALIDATION_FAILED', '1 or 2 (一档, 二档)')}
              when tier = 2 and single_tier and enrolled_in is null
              then ${reason('tier', 'TIER_NOT_OFFERED', `'the policy for ' || village || ' has a single tier'`)} end`,
    `case when phone is not null and phone !~ '^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$'
              then ${unlessExcelNumber('phone', 'phone', says('phone', 'VALIDATION_FAILED', 'not a mobile or landline number'))} end`,
    `case when sex_raw is not null and sex is null then ${says('sex', 'VALIDATION_FAILED', '男 or 女 (male or female)')}
              when sex is not null and id_sex is not null and sex <> id_sex
              then ${says('sex', 'VALIDATION_FAILED', 'does not match the ID number')} end`,
    `case when birth_raw is not null and id_birth is not null and birth_raw <> to_char(id_birth, 'YYYYMMDD')
              then ${says('birthDate', 'VALIDATION_FAILED', 'does not match the ID number')} end`,
    `case when died_on is not null then ${says('idNumber', 'PERSON_DECEASED', 'the person is registered as deceased')} end`,
    `case when file_category = 'student' and school is null then ${says('school', 'VALIDATION_FAILED', 'required for a student')} end`,
    `case when guardian_code is not null then ${reasonOf('guardianIdNumber', 'guardian_code', 'guardian_message')}
              when file_category = 'newborn' and guardian is null
              then ${says('guardianIdNumber', 'VALIDATION_FAILED', 'required for a newborn')}
              when guardian is not null and guardian = id
              then ${says('guardianIdNumber', 'VALIDATION_FAILED', 'a person cannot be their own guardian')}
              when guardian is not null and not guardian_known
              then ${says('guardianIdNumber', 'GUARDIAN_UNKNOWN', 'not registered and not in this file')} end`,
    `case when household_number ~ ${literal(EXCEL_NUMBER_PATTERN)}
              then ${says('householdNumber', 'EXCEL_NUMBER', EXCEL_NUMBER_MESSAGE)}
              when relation_raw is not null and relation is null
              then ${says('relation', 'VALIDATION_FAILED', '户主, 配偶, 子女, 父母, 孙子女, 兄弟姐妹 or 其他 (head, spouse, child, parent, grandchild, sibling, other)')}
              when relation_raw is not null and household_number is null
              then ${says('householdNumber', 'VALIDATION_FAILED', 'required with a relation')}
              when household_number is not null and file_heads = 0 and household_head is null
              then ${reason('householdNumber', 'VALIDATION_FAILED', `'household ' || household_number || ' has no head (户主) in this file or the register'`)}
              when relation = 'head' and (file_heads > 1 or (household_head is not null and household_head <> id))
              then ${reason('relation', 'VALIDATION_FAILED', `'household ' || household_number || ' has another head'`)} end`,
    `case when person_household is not null and person_household is distinct from household_id
              then ${says('householdNumber', 'HOUSEHOLD_MEMBER_TAKEN', 'already a member of another household')} end`,
    `case when enrolled_in is not null then null
              when elsewhere_insurer is not null
              then ${reason('idNumber', 'DUPLICATE_INSURANCE', `'insured for ' || $1::int::text || ' elsewhere (' || elsewhere_insurer || ')'`)}
              when eligibility_code = 'DUPLICATE_INSURANCE'
              then ${reason('idNumber', 'DUPLICATE_INSURANCE', `'holds employee insurance for ' || $1::int::text || ' (' || employee_insurer || ')'`)} end`,
    `case when enrolled_in is not null and left(enrolled_in, 6) <> left(coalesce(village, ''), 6)
              then ${reason('villageCode', 'DUPLICATE_INSURANCE', `'already enrolled for ' || $1::int::text || ' in region ' || enrolled_in`)}
              when enrolled_in is not null and enrolled_in <> village
              then ${reason('villageCode', 'ENROLLMENT_EXISTS', `'already enrolled for ' || $1::int::text || ' in village ' || enrolled_in`)} end`,
  ];
  return `
create temp table import_checked as
with rows as (
  select r.line,
         nullif(r.id, '') as id,
         nullif(r.id_code, '') as id_code,
         r.id_message,
         nullif(r.id_sex, '') as id_sex,
         nullif(r.id_birth, '')::date as id_birth,
         nullif(r.guardian, '') as guardian,
         nullif(r.guardian_code, '') as guardian_code,
         r.guardian_message,
         ${col('name')} as name,
         coalesce(${col('villageCode')}, $6::text) as village,
         lower(${col('category')}) as category_raw,
         ${col('tier')} as tier_raw,
         ${col('phone')} as phone,
         lower(${col('sex')}) as sex_raw,
         regexp_replace(${col('birthDate')}, '[-/.年月日]', '', 'g') as birth_raw,
         ${col('school')} as school,
         ${col('householdNumber')} as household_number,
         lower(${col('relation')}) as relation_raw,
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
         cm.v as file_category, tm.v as tier, sm.v as sex, rm.v as relation,
         g.level as village_level, vp.policy_id, vp.single_tier,
         p.name as person_name, p.died_on, p.household_id as person_household,
         -- A registered person enrols as registered (the API reads the same row); a new one as the file says.
         coalesce(p.category, cm.v) as category,
         left(coalesce(p.hukou_region_code, c.village), 6) = left(c.village, 6) as same_county,
         ${households ? 'h.id as household_id, h.head_id_number as household_head' : 'null::uuid as household_id, null::char(18) as household_head'},
         ${columns.guardianIdNumber === undefined ? 'false' : 'gp.id_number is not null or gf.id is not null'} as guardian_known,
         e.region_code as enrolled_in, e.status as enrolled_status,
         xe.insurer as employee_insurer, xr.insurer as elsewhere_insurer,
         ${repeats ? 'coalesce(d.copies, 1) as copies, d.first_line' : '1 as copies, null::int as first_line'},
         ${households ? 'coalesce(fh.heads, 0)' : '0'} as file_heads
  from checked c
  -- Narrow aggregates joined back, rather than windows that would sort every wide row.
${
  repeats
    ? `  left join (
    select id, count(*) as copies, min(line) as first_line from import_rows
    where id = any($7::text[]) group by id having count(*) > 1
  ) d on d.id = c.id`
    : ''
}
  left join (values ${valuesList(CATEGORY_VALUES)}) cm(k, v) on cm.k = coalesce(c.category_raw, 'resident')
  left join (values ${valuesList(TIER_VALUES)}) tm(k, v) on tm.k = coalesce(c.tier_raw, '1')
  left join (values ${valuesList(SEX_VALUES)}) sm(k, v) on sm.k = c.sex_raw
  left join (values ${valuesList(RELATION_VALUES)}) rm(k, v)
    on rm.k = coalesce(c.relation_raw, case when c.household_number is not null then 'other' end)
  left join jsonb_to_recordset($3::jsonb) vp(village text, policy_id text, single_tier boolean)
    on vp.village = c.village
${
  !households
    ? ''
    : `  left join enrollment.households h on h.region_code = c.village and h.number = c.household_number
  left join (
    select village, household_number, count(*) filter (where relation_raw in (${headValues})) as heads
    from checked where household_number is not null group by village, household_number
  ) fh on fh.village = c.village and fh.household_number = c.household_number`
}
${
  columns.guardianIdNumber === undefined
    ? ''
    : `  left join enrollment.persons gp on gp.id_number = c.guardian
  left join (select distinct g2.id from checked g2 where g2.id in (select guardian from checked)) gf
    on gf.id = c.guardian`
}
  left join core.regions g on g.code = c.village
  left join enrollment.persons p on c.id is not null and p.id_number = c.id
  left join enrollment.enrolments e on c.id is not null and e.id_number = c.id and e.year = $1::int
  left join enrollment.external_coverages xe
    on c.id is not null and xe.id_number = c.id and xe.year = $1::int and xe.kind = 'employee'
  left join enrollment.external_coverages xr
    on c.id is not null and xr.id_number = c.id and xr.year = $1::int and xr.kind = 'resident-elsewhere'
), decided as (
  select j.*,
         enrolled_in is not null and enrolled_in = village as unchanged,
         el.code as eligibility_code, el.message as eligibility_message, ec.enrol_category
  from joined j
  left join jsonb_to_recordset($4::jsonb)
    el(policy_id text, category text, same_county boolean, employee boolean, code text, message text)
    on el.policy_id = j.policy_id and el.category = j.category and el.same_county = j.same_county
       and el.employee = (j.employee_insurer is not null)
  left join jsonb_to_recordset($5::jsonb) ec(category text, born_in_year boolean, enrol_category text)
    on ec.category = j.category
       and ec.born_in_year = (j.id_birth between make_date($1::int, 1, 1) and make_date($1::int, 12, 31))
)
select line, id, name, village, file_category as category, enrol_category, tier, phone, school,
       household_number, relation, guardian, id_sex, id_birth, unchanged,
       person_name is not null as person_exists,
       -- Most rows have no problem: their reasons are not gathered into an array.
       case when coalesce(${reasonCases.join(', ')}) is null then '{}'::text[]
            else array_remove(array[${reasonCases.join(', ')}], null) end as reasons
from decided`;
}
