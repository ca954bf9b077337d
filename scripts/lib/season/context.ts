import type { ServiceName } from '../service-processes.js';
import type { Quotes } from './ledger.js';
import type { SeasonPlan } from './plan.js';
import type { Progress } from './progress-bar.js';

export interface Keys {
  admin: string;
  county: string;
  dashboard: string;
  townships: Map<string, string>;
  /** Collector keys by village, with the key's name (cash alerts name collectors by it). */
  collectors: Map<string, { key: string; name: string }>;
  feeds: Map<string, string>;
}

/** A figure the season checked that did not hold. */
export interface Mismatch {
  where: string;
  figure: string;
  expected: unknown;
  got: unknown;
}

export interface SeasonContext {
  urls: Record<ServiceName, string>;
  county: string;
  keys: Keys;
  plan: SeasonPlan;
  quotes: Quotes;
  targets: Map<string, number>;
  progress: Progress;
  log: (line: string) => void;
  mismatches: Mismatch[];
  /** Counts the season made note of for the report (rejected rows, held batches, reversals …). */
  notes: Record<string, number>;
  /** Notes how long a part of a step took (the season's timings list them). */
  lap(step: string, seconds: number): void;
  /** Checks one figure; a difference is kept, never thrown, so the table shows them all. */
  expect(where: string, figure: string, expected: unknown, got: unknown): boolean;
}

export { YEAR } from './plan.js';
