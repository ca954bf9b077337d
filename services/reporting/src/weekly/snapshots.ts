import type { ReportingDatabase } from '@rmi/db';
import { isoWeekOf, previousWeek } from '@rmi/rules';
import { type Actor, type ChangeRunner, ConflictError, ValidationError } from '@rmi/service-kit';
import { type Kysely, sql } from 'kysely';
import type { ReportingDeps } from '../deps.js';
import { takenAt } from '../progress/snapshot-lookup.js';
import type { Snapshot, SnapshotsTaken } from './snapshot-shapes.js';

// A week's snapshot copies every village's counters (and special groups) of a year under the
// week's label, so "the report of week 47" reads the same later. One row per (year, week): an
// operator's snapshot of the running week replaces the one before it, and the snapshot taken once
// the week has ended closes it for good.

export type SnapshotChangeRunner = ChangeRunner<ReportingDatabase>;

/** Who takes the closing snapshot: the service itself, on its schedule. */
const SCHEDULE: Actor = { keyId: null, role: null, regionCode: null, department: null, requestId: 'weekly-snapshot' };

type Db = Kysely<ReportingDatabase>;

/** The snapshots taken, newest week first; of one year, or of all. */
export async function listSnapshots(deps: ReportingDeps, args: { year?: number | null }): Promise<Snapshot[]> {
  let query = deps.db
    .selectFrom('reporting.snapshots as s')
    .select((eb) => [
      's.id',
      's.year',
      's.week',
      's.closed',
      takenAt('s.taken_at'),
      's.taken_by',
      eb
        .selectFrom('reporting.snapshot_villages as v')
        .whereRef('v.snapshot_id', '=', 's.id')
        .select(sql<number>`count(*)::int`.as('n'))
        .as('villages'),
      eb
        .selectFrom('reporting.snapshot_groups as g')
        .whereRef('g.snapshot_id', '=', 's.id')
        .select(sql<number>`count(*)::int`.as('n'))
        .as('groups'),
    ])
    .orderBy('s.week', 'desc')
    .orderBy('s.year', 'desc');
  if (args.year != null) query = query.where('s.year', '=', args.year);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    year: r.year,
    week: r.week,
    closed: r.closed,
    takenAt: r.taken_at.toISOString(),
    takenBy: r.taken_by,
    villages: r.villages ?? 0,
    groups: r.groups ?? 0,
  }));
}

/**
 * An operator's snapshot of the running week (the ISO week holding today): of `year`, or of every
 * year the counters hold. It replaces an earlier one of the week; a week already closed is final
 * (409 WEEK_CLOSED: it can only happen when clocks disagree about which week is running).
 */
export async function takeRunningWeekSnapshot(
  deps: ReportingDeps,
  change: SnapshotChangeRunner,
  actor: Actor,
  args: { year?: number | null },
): Promise<SnapshotsTaken> {
  const week = isoWeekOf(deps.today());
  const { year } = args;
  if (year != null) {
    const policies = await deps.catalog.documents();
    if (!policies.some((p) => p.year === year)) {
      throw new ValidationError([{ path: 'body.year', message: `No policy in force is for the year ${year}.` }]);
    }
  }
  return change(actor, async ({ trx, audit }) => {
    await lockSnapshots(trx);
    const years = year != null ? [year] : await yearsCounted(trx);
    const { taken, closedYears } = await writeSnapshots(trx, { years, week, closed: false, takenBy: actor.keyId });
    if (closedYears.length > 0) {
      throw new ConflictError('WEEK_CLOSED', `Week ${week} is closed: its snapshot is final and is not retaken.`, {
        week,
        years: closedYears,
      });
    }
    for (const s of taken) audit(auditEntry(s));
    return { week, snapshots: taken };
  });
}

/**
 * The closing snapshot of the week before the one holding `today` (so once Monday 00:00
 * Asia/Shanghai has passed), for every year counted that has none closed for that week yet. Run on
 * every replica's schedule: the advisory lock and the re-check inside it leave one replica to take
 * it, the others find it taken. Counters are copied as they stand when it runs, minutes into the
 * Monday.
 */
export async function closePreviousWeek(
  deps: ReportingDeps,
  change: SnapshotChangeRunner,
  today: string,
): Promise<Snapshot[]> {
  const week = previousWeek(isoWeekOf(today));
  if (week === undefined) return [];
  // A cheap look first, so a replica does not open a transaction every check for nothing.
  if ((await yearsToClose(deps.db, week)).length === 0) return [];
  return change(SCHEDULE, async ({ trx, audit }) => {
    await lockSnapshots(trx);
    const years = await yearsToClose(trx, week);
    if (years.length === 0) return [];
    const { taken } = await writeSnapshots(trx, { years, week, closed: true, takenBy: null });
    for (const s of taken) audit(auditEntry(s));
    return taken;
  });
}

/** Snapshots are written one transaction at a time, whichever replica or request writes them. */
async function lockSnapshots(trx: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('reporting.snapshots', 0))`.execute(trx);
}

async function yearsCounted(db: Db): Promise<number[]> {
  const { rows } = await sql<{ year: number }>`
    select year from reporting.village_counters
    union
    select year from reporting.group_counters
    order by year`.execute(db);
  return rows.map((r) => r.year);
}

async function yearsToClose(db: Db, week: string): Promise<number[]> {
  const { rows } = await sql<{ year: number }>`
    select y.year
    from (select year from reporting.village_counters union select year from reporting.group_counters) y
    where not exists (
      select 1 from reporting.snapshots s where s.year = y.year and s.week = ${week} and s.closed
    )
    order by y.year`.execute(db);
  return rows.map((r) => r.year);
}

/**
 * One snapshot row per year under `week` (replacing an open one, never a closed one), then its
 * villages and groups copied from the counters, set-wise. Stamped when written, after the lock
 * was granted (not when the transaction began), so a replacement is never stamped earlier. Answers the snapshots written and the
 * years whose week was closed already.
 */
async function writeSnapshots(
  trx: Db,
  opts: { years: readonly number[]; week: string; closed: boolean; takenBy: string | null },
): Promise<{ taken: Snapshot[]; closedYears: number[] }> {
  if (opts.years.length === 0) return { taken: [], closedYears: [] };
  const { rows: heads } = await sql<{ id: string; year: number; taken_at: Date; taken_by: string | null }>`
    insert into reporting.snapshots (year, week, closed, taken_by, taken_at)
    select y, ${opts.week}, ${opts.closed}, ${opts.takenBy}::text, statement_timestamp()
    from unnest(${[...opts.years]}::int[]) as y
    on conflict (year, week) do update
      set closed = excluded.closed, taken_at = excluded.taken_at, taken_by = excluded.taken_by
      where not reporting.snapshots.closed
    returning id, year, taken_at, taken_by`.execute(trx);
  const written = new Set(heads.map((h) => h.year));
  const closedYears = opts.years.filter((y) => !written.has(y));
  if (heads.length === 0) return { taken: [], closedYears };
  const ids = heads.map((h) => h.id);
  await sql`delete from reporting.snapshot_villages where snapshot_id = any(${ids}::uuid[])`.execute(trx);
  await sql`delete from reporting.snapshot_groups where snapshot_id = any(${ids}::uuid[])`.execute(trx);
  const { rows: villages } = await sql<{ snapshot_id: string; n: number }>`
    with copied as (
      insert into reporting.snapshot_villages
        (snapshot_id, village_code, target, registered, paid, cancelled, transferred)
      select s.id, c.village_code, c.target, c.registered, c.paid, c.cancelled, c.transferred
      from reporting.snapshots s
      join reporting.village_counters c on c.year = s.year
      where s.id = any(${ids}::uuid[])
      returning snapshot_id)
    select snapshot_id, count(*)::int as n from copied group by snapshot_id`.execute(trx);
  const { rows: groups } = await sql<{ snapshot_id: string; n: number }>`
    with copied as (
      insert into reporting.snapshot_groups
        (snapshot_id, village_code, identity_code, department, certified, enrolled, paid)
      select s.id, g.village_code, g.identity_code, g.department, g.certified, g.enrolled, g.paid
      from reporting.snapshots s
      join reporting.group_counters g on g.year = s.year
      where s.id = any(${ids}::uuid[])
      returning snapshot_id)
    select snapshot_id, count(*)::int as n from copied group by snapshot_id`.execute(trx);
  const count = (rows: { snapshot_id: string; n: number }[], id: string) =>
    rows.find((r) => r.snapshot_id === id)?.n ?? 0;
  const taken = heads
    .map((h) => ({
      id: h.id,
      year: h.year,
      week: opts.week,
      closed: opts.closed,
      takenAt: h.taken_at.toISOString(),
      takenBy: h.taken_by,
      villages: count(villages, h.id),
      groups: count(groups, h.id),
    }))
    .sort((a, b) => a.year - b.year);
  return { taken, closedYears };
}

function auditEntry(s: Snapshot) {
  return {
    action: s.closed ? 'snapshot.closed' : 'snapshot.taken',
    entity: 'snapshot',
    entityId: s.id,
    details: { year: s.year, week: s.week, villages: s.villages, groups: s.groups },
  };
}
