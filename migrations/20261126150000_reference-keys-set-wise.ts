import { type Kysely, sql } from 'kysely';

// Frozen once landed: later changes go in a new, later-named migration.

/**
 * The register's references to reference data (a person's hukou village, an enrolment's village
 * and the key that registered it) are checked set-wise by the writes instead of row by row by
 * foreign-key triggers, which were a third of the time a bulk registration spends writing.
 *
 * What keeps them true: every write checks them before writing (the API looks the village up in
 * the same transaction, 422 REGION_UNKNOWN; a registration import joins its whole file against
 * core.regions in one statement and refuses any row whose village is not a loaded village, which
 * is stricter than the key was; the key id comes from the authenticated request). Regions and API
 * keys are only ever added or changed, never deleted or renumbered (a key is revoked, not removed),
 * and the triggers below make that a rule of the database for every region and key the register
 * names: a statement deleting or renumbering one is refused, checked once per statement.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table enrollment.persons drop constraint persons_hukou_region_code_fkey`.execute(db);
  await sql`alter table enrollment.enrolments drop constraint enrolments_region_code_fkey`.execute(db);
  await sql`alter table enrollment.enrolments drop constraint enrolments_created_by_fkey`.execute(db);

  await sql`
    create function core.refuse_dropping_named_regions() returns trigger language plpgsql as $$
    declare
      named text;
    begin
      select o.code into named
      from gone o
      where not exists (select 1 from core.regions r where r.code = o.code)
        and (exists (select 1 from enrollment.persons p where p.hukou_region_code = o.code)
          or exists (select 1 from enrollment.enrolments e where e.region_code = o.code))
      limit 1;
      if named is not null then
        raise foreign_key_violation using
          message = format('region %s is named by the register and cannot be removed', named);
      end if;
      return null;
    end $$`.execute(db);
  for (const event of ['delete', 'update']) {
    await sql`
      create trigger ${sql.raw(`regions_named_${event}`)}
      after ${sql.raw(event)} on core.regions referencing old table as gone
      for each statement execute function core.refuse_dropping_named_regions()`.execute(db);
  }

  await sql`
    create function core.refuse_dropping_named_keys() returns trigger language plpgsql as $$
    declare
      named uuid;
    begin
      select o.id into named
      from gone o
      where not exists (select 1 from core.api_keys k where k.id = o.id)
        and exists (select 1 from enrollment.enrolments e where e.created_by = o.id)
      limit 1;
      if named is not null then
        raise foreign_key_violation using
          message = format('API key %s registered enrolments and cannot be removed', named);
      end if;
      return null;
    end $$`.execute(db);
  for (const event of ['delete', 'update']) {
    await sql`
      create trigger ${sql.raw(`api_keys_named_${event}`)}
      after ${sql.raw(event)} on core.api_keys referencing old table as gone
      for each statement execute function core.refuse_dropping_named_keys()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const event of ['delete', 'update']) {
    await sql`drop trigger ${sql.raw(`api_keys_named_${event}`)} on core.api_keys`.execute(db);
    await sql`drop trigger ${sql.raw(`regions_named_${event}`)} on core.regions`.execute(db);
  }
  await sql`drop function core.refuse_dropping_named_keys()`.execute(db);
  await sql`drop function core.refuse_dropping_named_regions()`.execute(db);
  await sql`alter table enrollment.enrolments add constraint enrolments_created_by_fkey
    foreign key (created_by) references core.api_keys (id)`.execute(db);
  await sql`alter table enrollment.enrolments add constraint enrolments_region_code_fkey
    foreign key (region_code) references core.regions (code)`.execute(db);
  await sql`alter table enrollment.persons add constraint persons_hukou_region_code_fkey
    foreign key (hukou_region_code) references core.regions (code)`.execute(db);
}
