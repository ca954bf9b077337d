import type { Readable } from 'node:stream';
import type { DeathsAnswer, PostDeathsQuery } from '@rmi/contracts';
import { createInFlight, createSiblingPool, type Db, type IdentityDatabase, onClient } from '@rmi/db';
import type { UploadFormat, XlsxLimits } from '@rmi/ingest';
import { maskIdNumber } from '@rmi/rules';
import { type Actor, createChangeRunner, OutOfScopeError, shanghaiToday, ValidationError } from '@rmi/service-kit';
import { IDENTITY_OUTBOX, writeEvents } from '../events/outbox.js';
import { DEATH_ROWS, stageDeaths } from './death-staging.js';
import {
  checkDeaths,
  DEATH_CHECKED,
  endSpellsAtDeath,
  enrolmentsToCancel,
  firstDeathErrors,
  notRegistered,
  recordDeaths,
} from './record-deaths.js';

export interface DeathsServiceOptions {
  /** The whole pool: a list is staged on a session of a sibling pool of it. */
  pool: Db;
  limits: {
    /** Lists read at once (FEED_SESSIONS, as department lists are). */
    sessions: number;
    statementTimeoutMs: number;
    maxBytes: number;
    xlsx: XlsxLimits;
  };
  /** Called after a list's deaths (and their events) committed: the outbox is nudged there. */
  onRecorded?: () => void;
}

const REPORTERS = new Set(['health', 'civil-affairs']);

/** The department a list is recorded for: a feed key's own (health or civil affairs); admin names one. */
function reportingDepartment(actor: Actor, asked: string | undefined): string {
  if (actor.role === 'admin') {
    if (!asked) {
      throw new ValidationError([
        { path: 'querystring.department', message: 'admin names the reporting department: health or civil-affairs' },
      ]);
    }
    return asked;
  }
  const own = actor.department ?? '';
  if (!REPORTERS.has(own) || (asked !== undefined && asked !== own)) {
    throw new OutOfScopeError(`Death lists of ${asked ?? own}`);
  }
  return own;
}

/**
 * Death lists (contracts/identity-feeds.md "Deaths"): the file is staged through COPY on a session
 * of its own and checked set-wise; then, in one transaction through the change runner, the deaths
 * are recorded, every current spell of each person ends on the death day, one `person.died` event
 * per death and one `identity.ended` per spell are written, and one audit row. Enrollment, sent the
 * events, sets the person's `diedOn` and cancels their registered, unpaid enrolments.
 */
export function createDeathsService(options: DeathsServiceOptions) {
  const { limits } = options;
  const sessions = createSiblingPool(options.pool, {
    max: limits.sessions,
    applicationName: 'identity-deaths',
    statementTimeoutMs: limits.statementTimeoutMs,
  });
  const { track, settled } = createInFlight();

  async function post(
    actor: Actor,
    body: Readable,
    query: PostDeathsQuery & { format: UploadFormat },
  ): Promise<DeathsAnswer> {
    let department: string;
    try {
      department = reportingDepartment(actor, query.department);
    } catch (err) {
      body.resume();
      throw err;
    }
    const scope = actor.role === 'admin' ? null : actor.regionCode;
    const client = await sessions.connect();
    try {
      const staged = await stageDeaths(client, body, {
        format: query.format,
        today: shanghaiToday(),
        maxBytes: limits.maxBytes,
        xlsx: limits.xlsx,
      });
      await client.query(`analyze ${DEATH_ROWS} (line, id)`);
      const bad = await checkDeaths(client, scope);
      const errors = bad > 0 ? await firstDeathErrors(client) : [];
      const run = createChangeRunner(onClient<IdentityDatabase>(client), {
        service: IDENTITY_OUTBOX.source,
        writeEvents,
      });
      const answer = await run(actor, async ({ trx, audit }) => {
        const deaths = await recordDeaths(trx, { department, keyId: actor.keyId });
        const spellsEnded = await endSpellsAtDeath(trx);
        const enrolmentsCancelled = await enrolmentsToCancel(trx);
        const unregistered = await notRegistered(trx);
        const valid = staged.rows - bad;
        const answer: DeathsAnswer = {
          rows: staged.rows,
          deaths,
          alreadyRecorded: valid - deaths,
          spellsEnded,
          enrolmentsCancelled,
          notRegistered: unregistered.ids.map(maskIdNumber),
          notRegisteredCount: unregistered.count,
          errors,
        };
        audit({
          action: 'deaths.record',
          entity: 'death-list',
          entityId: query.fileName ?? null,
          regionCode: scope,
          details: {
            department,
            format: query.format,
            rows: staged.rows,
            errors: bad,
            deaths,
            spellsEnded,
            enrolmentsCancelled,
            notRegistered: unregistered.count,
          },
        });
        return answer;
      });
      options.onRecorded?.();
      return answer;
    } catch (err) {
      // Whatever is left of the upload is drained so the client gets its answer.
      body.resume();
      throw err;
    } finally {
      await client.query(`drop table if exists ${DEATH_ROWS}, ${DEATH_CHECKED}`).catch(() => {});
      client.release();
    }
  }

  return {
    /** Records a death list; refusals of the whole file throw AppErrors (FILE_UNREADABLE, MISSING_COLUMNS, BODY_TOO_LARGE). */
    post(actor: Actor, body: Readable, query: PostDeathsQuery & { format: UploadFormat }): Promise<DeathsAnswer> {
      return track(post(actor, body, query));
    },

    /** Waits for lists in flight, then closes the sessions (a graceful shutdown). */
    async drain(): Promise<void> {
      await settled();
      await sessions.end();
    },
  };
}

export type DeathsService = ReturnType<typeof createDeathsService>;
