import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createInFlight, createSiblingPool, type Database, type Db, onClient } from '@rmi/db';
import { FileProblem, type XlsxLimits } from '@rmi/ingest';
import type { PolicyCatalog } from '@rmi/service-kit';
import { type Actor, createChangeRunner, shanghaiToday } from '@rmi/service-kit';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type pg from 'pg';
import { writeEvents } from '../events/outbox.js';
import { checkStatement } from './registration-checks.js';
import { REQUIRED_FIELDS, type RegistrationField } from './registration-columns.js';
import { registrationDecisions } from './registration-decisions.js';
import { stageRegistrations } from './staging.js';

/** Where an import reports what went wrong and how long it took (the service's pino logger). */
export interface ImportLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ImportOptions {
  year: number;
  mode: 'whole-file' | 'valid-rows';
  format: 'csv' | 'xlsx';
  fileName: string | null;
  /** Largest upload accepted; beyond it the import is refused as a file problem. */
  maxBytes: number;
}

export interface ImportRun {
  id: string;
  /** Settles once the upload is in the staging table (or refused as a file). */
  received: Promise<void>;
  /** Settles when the import has been applied, rejected or has failed; never rejects. */
  finished: Promise<void>;
}

/** Households named by 户号: created once per village, members attached, the head set. */
async function applyHouseholds(trx: Kysely<Database>): Promise<number> {
  const created = await sql`
    insert into enrollment.households (region_code, number)
    select distinct village, household_number from import_checked
    where cardinality(reasons) = 0 and household_number is not null
    on conflict (region_code, number) where number is not null do nothing`.execute(trx);
  await sql`
    update enrollment.persons p set household_id = h.id, relation = c.relation, updated_at = now()
    from import_checked c
    join enrollment.households h on h.region_code = c.village and h.number = c.household_number
    where cardinality(c.reasons) = 0 and p.id_number = c.id
      and (p.household_id is distinct from h.id or p.relation is distinct from c.relation)`.execute(trx);
  await sql`
    update enrollment.households h set head_id_number = c.id, updated_at = now()
    from import_checked c
    where cardinality(c.reasons) = 0 and c.relation = 'head'
      and h.region_code = c.village and h.number = c.household_number
      and h.head_id_number is null`.execute(trx);
  return Number(created.numAffectedRows ?? 0);
}

/**
 * Runs an insert of checked rows as a plain INSERT, and only when a row was taken meanwhile (by
 * the API, or an import of an overlapping file running at the same time) again with ON CONFLICT
 * DO NOTHING: the speculative insertion that clause costs is up to a tenth of the writes, paid for a
 * race that is rare.
 */
async function insertUnlessTaken(
  trx: Kysely<Database>,
  statement: (skipTaken: boolean) => RawBuilder<unknown>,
): Promise<{ numAffectedRows?: bigint }> {
  await sql`savepoint plain_insert`.execute(trx);
  try {
    const result = await statement(false).execute(trx);
    await sql`release savepoint plain_insert`.execute(trx);
    return result;
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    await sql`rollback to savepoint plain_insert`.execute(trx);
    return statement(true).execute(trx);
  }
}

const PROGRESS_EVERY_MS = 1000;
const lockKey = (id: string) => `registration-import:${id}`;
/** What `import.applied` may name as a village (contracts: VillageCodeSchema). */
const VILLAGE_CODE = /^\d{12}$/;

/**
 * Bulk registration: the upload streams through COPY into a temp staging table, one statement
 * checks every row set-wise, and the valid rows become persons and enrolments in one transaction.
 * In whole-file mode a single bad row leaves the register untouched. Every rejected row is kept
 * with its line and reasons for the uploader to download.
 */
export function createRegistrationImporter(
  db: Db,
  catalog: PolicyCatalog,
  log: ImportLog,
  limits: { sessions: number; statementTimeoutMs: number; xlsx: XlsxLimits },
) {
  const { track, settled } = createInFlight();
  // An import holds one session from upload to commit while it reports progress and reads
  // policies through `db`. Those sessions come from a pool of their own, so imports can never take
  // every connection requests need, nor wait on a pool they themselves exhausted. A statement here
  // may rightly run for minutes (COPY of a slow upload, the set-wise check of a million rows).
  const sessions = createSiblingPool(db, {
    max: limits.sessions,
    applicationName: 'enrollment-import',
    statementTimeoutMs: limits.statementTimeoutMs,
  });

  async function setProgress(id: string, values: Record<string, unknown>): Promise<void> {
    await db.updateTable('enrollment.imports').set(values).where('id', '=', id).execute();
  }

  /** The database message stays in the log; the uploader learns only that nothing was applied. */
  async function markFailed(id: string): Promise<void> {
    await setProgress(id, {
      status: 'failed',
      finished_at: new Date(),
      problem: JSON.stringify({ code: 'INTERNAL_ERROR', detail: 'The import failed; nothing was applied.' }),
    }).catch(() => {});
  }

  async function run(
    id: string,
    client: pg.PoolClient,
    body: Readable,
    options: ImportOptions,
    actor: Actor,
    onReceived: () => void,
  ) {
    try {
      await runOnClient(id, client, body, options, actor, onReceived);
    } catch (err) {
      log.error({ err, importId: id }, 'registration import could not run');
      await markFailed(id);
    } finally {
      onReceived();
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(id)]).catch(() => {});
      client.release();
    }
  }

  async function runOnClient(
    id: string,
    client: pg.PoolClient,
    body: Readable,
    options: ImportOptions,
    actor: Actor,
    onReceived: () => void,
  ) {
    const kdb = onClient<Database>(client);
    let lastProgress = 0;
    const onBytes = (bytes: number) => {
      if (bytes > options.maxBytes) {
        const problem = new FileProblem(
          `The file is larger than ${options.maxBytes} bytes (IMPORT_MAX_BYTES); nothing was imported.`,
          [{ message: `larger than ${options.maxBytes} bytes` }],
          'IMPORT_TOO_LARGE',
        );
        body.destroy(problem);
        // Thrown as well: the chunk that crossed the limit may be the last, and then nothing would
        // read the upload again to find it destroyed.
        throw problem;
      }
      const now = Date.now();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      setProgress(id, { bytes_received: bytes }).catch((err) => log.warn({ err }, 'import progress not stored'));
    };
    const scope = actor.regionCode ?? '';
    // Milliseconds of each phase, logged with the result: where a slow import spent its time.
    const started = Date.now();
    const took = { staging: 0, checking: 0, writing: 0 };
    try {
      const required = scope.length === 12 ? REQUIRED_FIELDS : [...REQUIRED_FIELDS, 'villageCode' as const];
      // The header is judged before any row is staged, so a wrong file fails at once.
      const staged = await stageRegistrations(client, body, {
        format: options.format,
        required,
        today: shanghaiToday(),
        onBytes,
        xlsx: limits.xlsx,
      });
      const hasHouseholds = staged.column('householdNumber') !== undefined;
      await setProgress(id, { status: 'validating', bytes_received: staged.bytes, encoding: staged.encoding });
      // The uploader is answered now: the whole file is in and the import reads `validating`.
      // (A file refused while it streams is answered once its refusal is stored, by `run`.)
      onReceived();

      if (scope.length === 12) staged.villages.add(scope);
      const decisions = registrationDecisions(await catalog.documents(), staged.villages, options.year);
      // Temp tables are never auto-analysed; without statistics the planner guesses joins badly.
      // Statistics of the columns the check joins on are enough; the others are only read.
      const joined = ['villageCode', 'householdNumber'].map((f) => staged.column(f as RegistrationField));
      await client.query(`analyze import_rows (id, guardian${joined.map((c) => (c ? `, ${c}` : '')).join('')})`);
      // A file checked against the register, then written in key order, wants more memory than a
      // request: with 256 MB, a million rows are sorted in memory instead of through temp files,
      // which made the writes a fifth slower than COPY into the same tables. The check statement's
      // many expressions gain from JIT compilation, but not from LLVM's optimisation and inlining,
      // which a row estimate far off (aggregates over a file are guessed) would buy for a second
      // or more of compiling.
      await client.query("set work_mem = '256MB'; set jit_optimize_above_cost = -1; set jit_inline_above_cost = -1");
      took.staging = Date.now() - started;
      const columns: Partial<Record<RegistrationField, string>> = {};
      for (const field of Object.keys(staged.header.match.columns) as RegistrationField[]) {
        columns[field] = staged.column(field);
      }
      const checked = await client.query(checkStatement({ columns, repeats: staged.repeatedIds.length > 0 }), [
        options.year,
        actor.role === 'admin' || actor.role === 'service' ? '' : scope,
        JSON.stringify(decisions.villages),
        JSON.stringify(decisions.eligibility),
        JSON.stringify(decisions.categories),
        scope.length === 12 ? scope : null,
        ...(staged.repeatedIds.length > 0 ? [staged.repeatedIds] : []),
      ]);
      took.checking = Date.now() - started - took.staging;
      const header = staged.header.cells;
      // The rejected lines first: without any, the staged rows are not read again.
      const rejected = await client.query(
        `with bad as materialized (select line, reasons from import_checked where cardinality(reasons) > 0)
         insert into enrollment.import_rejections (import_id, line, reasons, row)
         select $1, c.line, c.reasons, json_build_object(${header
           .map((h, i) => `'${(h.trim() || `column ${i + 1}`).replaceAll("'", "''")}', r.c${i}`)
           .join(', ')})
         from bad c join import_rows r using (line)`,
        [id],
      );
      const total = checked.rowCount ?? 0;
      const rowsRejected = rejected.rowCount ?? 0;
      if (options.mode === 'whole-file' && rowsRejected > 0) {
        await setProgress(id, {
          status: 'rejected',
          rows_total: total,
          rows_rejected: rowsRejected,
          finished_at: new Date(),
          problem: JSON.stringify({
            code: 'IMPORT_ROWS_INVALID',
            detail: `${rowsRejected} of ${total} rows have problems; in whole-file mode nothing was imported.`,
          }),
        });
        return;
      }

      // The writes read import_checked alone, in key order; only the household statements join it.
      if (hasHouseholds) await client.query('analyze import_checked');
      await setProgress(id, { status: 'applying', rows_total: total, rows_rejected: rowsRejected });
      // The same change runner as every other write: rows, audit entry and event commit together.
      await createChangeRunner(kdb, { service: 'enrollment', writeEvents })(actor, async ({ trx, audit, emit }) => {
        // In key order: imports of overlapping files lock the same keys in the same order and
        // never deadlock; the indexes are filled in order too.
        const persons = await insertUnlessTaken(
          trx,
          (skipTaken) => sql`
            insert into enrollment.persons
              (id_number, name, sex, birth_date, hukou_region_code, category, phone, school, guardian_id_number)
            select id, name, id_sex, id_birth, village, category, phone, school, guardian
            from import_checked where cardinality(reasons) = 0 and not person_exists
            order by id
            ${skipTaken ? sql`on conflict (id_number) do nothing` : sql``}`,
        );
        const householdsCreated = hasHouseholds ? await applyHouseholds(trx) : 0;
        const enrolments = await insertUnlessTaken(
          trx,
          (skipTaken) => sql`
            insert into enrollment.enrolments (id_number, year, region_code, tier, category, import_id, created_by)
            select id, ${options.year}::int, village, tier, enrol_category, ${id}::uuid, ${actor.keyId}::uuid
            from import_checked where cardinality(reasons) = 0 and not unchanged
            order by id
            ${skipTaken ? sql`on conflict (id_number, year) do nothing` : sql``}`,
        );
        const personsCreated = Number(persons.numAffectedRows ?? 0);
        const enrolmentsCreated = Number(enrolments.numAffectedRows ?? 0);
        const valid = total - rowsRejected;
        const counts = {
          personsCreated,
          enrolmentsCreated,
          householdsCreated,
          unchanged: valid - enrolmentsCreated,
          rejected: rowsRejected,
        };
        await trx
          .updateTable('enrollment.imports')
          .set({
            status: 'applied',
            persons_created: personsCreated,
            enrolments_created: enrolmentsCreated,
            rows_unchanged: counts.unchanged,
            finished_at: new Date(),
          })
          .where('id', '=', id)
          .execute();
        audit({
          action: 'registration-import.apply',
          entity: 'import',
          entityId: id,
          regionCode: actor.regionCode,
          details: { year: options.year, mode: options.mode, ...counts },
        });
        // One event for the batch: subscribers read the rows from enrollment.v_enrollment_facts.
        emit('import.applied', {
          importId: id,
          year: options.year,
          ...counts,
          // The villages the file named (cells that are no village code are rejected rows: left out).
          villageCodes: [...staged.villages].filter((v) => VILLAGE_CODE.test(v)).sort(),
        });
      });
      took.writing = Date.now() - started - took.staging - took.checking;
      log.info({ importId: id, rows: total, ms: took }, 'registration import applied');
    } catch (err) {
      if (err instanceof FileProblem) {
        await setProgress(id, {
          status: 'rejected',
          finished_at: new Date(),
          problem: JSON.stringify({ code: err.code, detail: err.message, errors: err.errors }),
        });
      } else {
        log.error({ err, importId: id }, 'registration import failed');
        await markFailed(id);
      }
      // Whatever is left of the upload is drained so the client gets its answer.
      body.resume();
    } finally {
      await client
        .query(
          'drop table if exists import_rows, import_checked; reset work_mem; reset jit_optimize_above_cost; reset jit_inline_above_cost',
        )
        .catch(() => {});
    }
  }

  return {
    async start(body: Readable, options: ImportOptions, actor: Actor): Promise<ImportRun> {
      // The import's session holds a lock named after it for as long as it runs: when a process
      // dies mid-import the lock goes with its connection, and readers see the import is orphaned.
      const id = randomUUID();
      const client = await sessions.connect();
      let row: { id: string };
      try {
        await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [lockKey(id)]);
        row = await db
          .insertInto('enrollment.imports')
          .values({
            id,
            year: options.year,
            mode: options.mode,
            format: options.format,
            file_name: options.fileName,
            scope_region_code: actor.regionCode,
            created_by: actor.keyId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
      } catch (err) {
        // A session lock outlives a release to the pool: the connection is closed instead.
        client.release(true);
        throw err;
      }
      let onReceived!: () => void;
      const received = new Promise<void>((resolve) => {
        onReceived = resolve;
      });
      const finished = track(run(row.id, client, body, options, actor, onReceived));
      return { id: row.id, received, finished };
    },

    /**
     * Marks imports that say they are running but whose session is gone (a crash or a kill) as
     * failed, so nobody waits on them for ever. Cheap: one lock probe per unfinished import.
     */
    async settleOrphans(ids: readonly string[]): Promise<void> {
      for (const id of ids) {
        await db.transaction().execute(async (trx) => {
          const probe = await sql<{ free: boolean }>`
            select pg_try_advisory_xact_lock(hashtextextended(${lockKey(id)}, 0)) as free`.execute(trx);
          if (!probe.rows[0]?.free) return;
          await trx
            .updateTable('enrollment.imports')
            .set({
              status: 'failed',
              finished_at: new Date(),
              problem: JSON.stringify({
                code: 'IMPORT_INTERRUPTED',
                detail: 'The service stopped while the import ran; nothing of it was applied. Upload the file again.',
              }),
            })
            .where('id', '=', id)
            .where('status', 'in', ['receiving', 'validating', 'applying'])
            .execute();
        });
      }
    },

    /** Waits for imports in flight, so a graceful shutdown does not cut one in half. */
    async drain(): Promise<void> {
      await settled();
      await sessions.end();
    },
  };
}

export type RegistrationImporter = ReturnType<typeof createRegistrationImporter>;
