import { type Kysely, type RawBuilder, sql } from 'kysely';
import { DEFAULT_END } from './feed-diff.js';

// A batch's stored changes (identity.batch_changes) made true in identity.spells, with one event
// per changed spell written set-wise into identity.outbox, inside the caller's transaction: a
// batch applied right after it was computed and a held batch confirmed later go the same way.
// Only spells still current are ended, and a new spell replaces only one this batch ended, so a
// spell a death ended meanwhile stays ended.

/** `jsonb_build_object` of an event: each key with a column of the statement, or a value given. */
const payload = (fields: Record<string, string | RawBuilder<unknown>>) =>
  sql`jsonb_build_object(${sql.join(
    Object.entries(fields).map(([k, v]) => sql`${sql.lit(k)}, ${typeof v === 'string' ? sql.ref(v) : v}`),
  )})`;

/** The period's first day as an SQL literal (checked, it is spliced into a CASE). */
function periodLiteral(periodStart: string): string {
  if (!/^\d{4}-\d{2}-01$/.test(periodStart)) throw new Error(`not a period's first day: ${periodStart}`);
  return `'${periodStart}'`;
}

/** Ends the spells removed, moved or changed, each with its event (identity.ended, .moved, .changed). */
async function endSpells(trx: Kysely<any>, batchId: string, periodStart: string, mode: string): Promise<void> {
  const person = { idNumber: 'id_number', identityCode: 'identity_code', department: 'department' };
  const batch = sql`${batchId}::uuid`;
  await sql`
    with ended as (
      update identity.spells s
      set current = false,
          valid_to = case c.change when 'removed' then c.after_to
                                   when 'moved' then greatest(s.valid_from - 1, ${periodStart}::date - 1)
                                   else s.valid_from - 1 end,
          ended_batch_id = ${batchId}::uuid,
          ended_reason = case c.change
            when 'removed' then (case when ${mode} = 'snapshot' then 'absent'
                                      when c.after_to is distinct from ${sql.raw(DEFAULT_END('c.before_from', 'c.before_to', periodLiteral(periodStart)))}
                                      then 'ended' else 'removed' end)
            else c.change end
      from identity.batch_changes c
      where c.batch_id = ${batchId}::uuid and c.change <> 'added'
        and s.current and s.id_number = c.id_number and s.identity_code = c.identity_code
      returning s.id_number, s.identity_code, s.department, s.region_code, s.valid_to, s.ended_reason,
                c.change, c.after_village, c.after_from, c.after_to
    )
    insert into identity.outbox (topic, payload)
    select case change when 'removed' then 'identity.ended' when 'moved' then 'identity.moved' else 'identity.changed' end,
           case change
             when 'removed' then ${payload({ ...person, regionCode: 'region_code', validTo: 'valid_to', reason: 'ended_reason', batchId: batch })}
             when 'moved' then ${payload({ ...person, fromRegionCode: 'region_code', regionCode: 'after_village', validFrom: 'after_from', batchId: batch })}
             else ${payload({ ...person, regionCode: 'region_code', validFrom: 'after_from', validTo: 'after_to', batchId: batch })}
           end
    from ended
    order by id_number, identity_code`.execute(trx);
}

/** The spells that replace the moved and changed ones this batch ended. */
async function replaceSpells(trx: Kysely<any>, batchId: string, department: string): Promise<void> {
  await sql`
    insert into identity.spells (id_number, identity_code, department, region_code, name, valid_from, valid_to, batch_id)
    select c.id_number, c.identity_code, ${department}, c.after_village, c.name, c.after_from, c.after_to, ${batchId}::uuid
    from identity.batch_changes c
    where c.batch_id = ${batchId}::uuid and c.change in ('moved', 'changed')
      and exists (select 1 from identity.spells o
                  where o.id_number = c.id_number and o.identity_code = c.identity_code and o.ended_batch_id = ${batchId}::uuid)
    order by c.id_number, c.identity_code`.execute(trx);
}

/** New spells, each with its identity.added event; never for a person whose death came before it began. */
async function addSpells(trx: Kysely<any>, batchId: string, department: string): Promise<void> {
  await sql`
    with added as (
      insert into identity.spells (id_number, identity_code, department, region_code, name, valid_from, valid_to, batch_id)
      select c.id_number, c.identity_code, ${department}, c.after_village, c.name, c.after_from, c.after_to, ${batchId}::uuid
      from identity.batch_changes c
      where c.batch_id = ${batchId}::uuid and c.change = 'added'
        and not exists (select 1 from identity.deaths d where d.id_number = c.id_number and d.died_on < c.after_from)
      order by c.id_number, c.identity_code
      returning id_number, identity_code, department, region_code, valid_from, valid_to
    )
    insert into identity.outbox (topic, payload)
    select 'identity.added', ${payload({
      idNumber: 'id_number',
      identityCode: 'identity_code',
      department: 'department',
      regionCode: 'region_code',
      validFrom: 'valid_from',
      validTo: 'valid_to',
      batchId: sql`${batchId}::uuid`,
    })}
    from added`.execute(trx);
}

/**
 * A batch changing this many spells is joined with them by hashing, not by an index probe for each
 * change: the statistics of batch_changes never know of the rows just written, and the planner
 * would otherwise probe the spells (and the deaths) a million times.
 */
const MANY_CHANGES = 5000;

/** Applies a computed batch inside `trx` (the caller holds the department's lock). */
export async function applyChanges(
  trx: Kysely<any>,
  batch: { id: string; department: string; periodStart: string; mode: string; changes: number },
): Promise<void> {
  const many = batch.changes >= MANY_CHANGES;
  if (many) await sql`set local enable_nestloop = off`.execute(trx);
  await endSpells(trx, batch.id, batch.periodStart, batch.mode);
  await replaceSpells(trx, batch.id, batch.department);
  await addSpells(trx, batch.id, batch.department);
  if (many) await sql`set local enable_nestloop = on`.execute(trx);
}
