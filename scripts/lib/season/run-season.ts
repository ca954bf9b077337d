// A scripted county season over the HTTP APIs of the four services, run as real processes on one
// database. Only what no API does is written directly (the first admin key and the services' own
// key); everything else goes through the routes a county's offices and departments use.
import { createDb, prepareDatabase } from '@rmi/db';
import { createApiKeysRepository } from '@rmi/service-kit';
import { rotateInternalServiceKey } from '../service-key.js';
import { type ServiceSet, startServices } from '../service-processes.js';
import { call } from './api.js';
import type { Mismatch, SeasonContext } from './context.js';
import { askQuotes, postFeeds } from './feeds.js';
import { compareRows, readFinal, type TownshipRow } from './final.js';
import { cashPlan, paymentsOf, type Quotes, routeAssisted, targetsOf } from './ledger.js';
import { planSeason } from './plan.js';
import { type Progress, silentProgress } from './progress-bar.js';
import { createKeys, readCounty, registerTownships, setTargets } from './setup.js';
import { renderTable } from './table.js';
import { runWeek } from './week.js';

export interface SeasonOptions {
  /** A database to run on; migrated and seeded first unless `prepared`. */
  databaseUrl: string;
  prepared?: boolean;
  persons: number;
  seed?: number;
  weeks?: number;
  county?: string;
  log?: (line: string) => void;
  progress?: Progress;
  /** Called with the running services, so a caller can stop them on Ctrl-C. */
  onServices?: (services: ServiceSet) => void;
}

export interface SeasonResult {
  ok: boolean;
  mismatches: Mismatch[];
  rows: TownshipRow[];
  table: string;
  notes: Record<string, number>;
  timings: { step: string; seconds: number }[];
  /** Parts of the weeks: payments, imports, settling, reconciliation, rankings. */
  laps: { step: string; seconds: number }[];
  persons: number;
}

export async function runSeason(options: SeasonOptions): Promise<SeasonResult> {
  const log = options.log ?? (() => {});
  const progress = options.progress ?? silentProgress;
  const county = options.county ?? '500230';
  const timings: SeasonResult['timings'] = [];
  const laps: SeasonResult['laps'] = [];
  let mark = Date.now();
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const value = await fn();
    timings.push({ step, seconds: (Date.now() - mark) / 1000 });
    mark = Date.now();
    return value;
  };

  // Bootstrap: the only direct writes.
  const { adminKey, serviceKey } = await timed('database and bootstrap keys', async () => {
    const db = createDb(options.databaseUrl, { max: 2 });
    try {
      if (!options.prepared) await prepareDatabase(db, { demoRegions: true });
      const { key } = await createApiKeysRepository(db).create({ name: 'season admin', role: 'admin' });
      return { adminKey: key, serviceKey: await rotateInternalServiceKey(db) };
    } finally {
      await db.destroy();
    }
  });

  const services = await timed('start the four services', () => startServices(options.databaseUrl, serviceKey));
  options.onServices?.(services);
  try {
    const { urls } = services;
    const townships = await readCounty(urls.enrollment, adminKey, county);
    const { body: channels } = await call<{ code: string }[]>('GET', `${urls['payment-reconciliation']}/v1/channels`, {
      key: adminKey,
    });
    const requestChannels = channels
      .map((c) => c.code)
      .filter((c) => !['cash', 'tax-window', 'assistance', 'etax'].includes(c));
    const plan = planSeason({
      persons: options.persons,
      seed: options.seed ?? 1,
      weeks: options.weeks ?? 8,
      townships,
      requestChannels,
    });
    const keys = await timed('regions and keys', () => createKeys(urls.enrollment, adminKey, county, townships));
    const quotes: Quotes = new Map();
    const mismatches: Mismatch[] = [];
    const ctx: SeasonContext = {
      urls,
      county,
      keys,
      plan,
      quotes,
      targets: targetsOf(plan),
      progress,
      log,
      mismatches,
      notes: {},
      lap: (step, seconds) => laps.push({ step, seconds }),
      expect(where, figure, expected, got) {
        if (expected === got) return true;
        mismatches.push({ where, figure, expected, got });
        return false;
      },
    };
    log(
      `${plan.persons.length} persons in ${townships.length} townships, ${townships.reduce((a, t) => a + t.villages.length, 0)} villages; ${plan.weeks} weeks from 2024-09-16`,
    );
    await timed('targets', () => setTargets(ctx));
    await timed('registration imports', () => registerTownships(ctx));
    await timed('department feeds', () => postFeeds(ctx));
    await timed('quotes', () => askQuotes(ctx));
    routeAssisted(plan, quotes);
    const payments = paymentsOf(plan, quotes);
    const cash = cashPlan(plan, payments);
    let previousTaxLines: string[][] = [];
    for (let week = 0; week < plan.weeks; week++) {
      previousTaxLines = await timed(`week ${week + 1}`, () =>
        runWeek(ctx, { week, payments, cash, previousTaxLines }),
      );
    }
    const rows = await timed('final figures', () => readFinal(ctx, payments, cash));
    compareRows(ctx, rows);
    ctx.notes.paid = rows.reduce((a, r) => a + (r.paid.got ?? 0), 0);
    ctx.notes.requestPayments = payments.filter((p) => p.channel !== 'tax' && p.channel !== 'cash').length;
    ctx.notes.cashReceipts = payments.filter((p) => p.channel === 'cash').length;
    ctx.notes.taxLines = payments.filter((p) => p.channel === 'tax').length;
    ctx.notes.assistanceRows = payments.filter((p) => p.channel === 'assistance').length;
    return {
      ok: mismatches.length === 0,
      mismatches,
      rows,
      table: renderTable(rows),
      notes: ctx.notes,
      timings,
      laps,
      persons: plan.persons.length,
    };
  } catch (err) {
    // What the services logged (warn and above) says why a step failed or never settled.
    for (const s of services.running) {
      const tail = s.output().trim().split('\n').slice(-15).join('\n');
      if (tail) log(`--- ${s.name} (last lines) ---\n${tail}`);
    }
    throw err;
  } finally {
    if (process.env.SEASON_SERVICE_LOGS) {
      for (const s of services.running)
        log(`--- ${s.name} ---\n${s.output().trim().split('\n').slice(-40).join('\n')}`);
    }
    await services.stop();
  }
}
