import { z } from 'zod';

const Rows = z.number().int().min(0);

export const RebuildResultSchema = z.object({
  villageRows: Rows.describe('rows of reporting.village_counters after the rebuild'),
  groupRows: Rows.describe('rows of reporting.group_counters'),
  dailyRows: Rows.describe('rows of reporting.daily_counters'),
  channelRows: Rows.describe('rows of reporting.channel_counters'),
  ms: Rows.describe('how long the rebuild took'),
});

const Row = z.record(z.string(), z.unknown());

export const CounterDifferenceSchema = z.object({
  table: z.enum(['village_counters', 'group_counters', 'daily_counters', 'channel_counters']),
  key: Row.describe('the row’s key: year, village_code, and identity_code and department, day, channel'),
  counted: Row.nullable().describe('the figures as counted; null when the counters lack the row'),
  expected: Row.nullable().describe('the figures the GROUP BY over the views gives; null when it gives none'),
});

export const CounterCheckSchema = z.object({
  equal: z.boolean().describe('every counter equals the GROUP BY over the views'),
  differences: z.array(CounterDifferenceSchema).max(20).describe('the first 20 differences'),
});

export type RebuildResult = z.infer<typeof RebuildResultSchema>;
export type CounterDifference = z.infer<typeof CounterDifferenceSchema>;
export type CounterCheck = z.infer<typeof CounterCheckSchema>;
