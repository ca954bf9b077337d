import { z } from 'zod';
import { DepartmentSchema } from './api-keys.js';
import { FeedRowErrorSchema } from './identity-feeds.js';
import { CivilDateSchema } from './persons.js';
import { ReasonSchema } from './quotes.js';

// subsidy-identity's read side (contracts/identity-feeds.md "Diff", "Identity history", "Deaths",
// "Rosters"): a batch's diff, a person's identities on a day and their whole history, the answer to
// a death list, and the rosters departments chase to paid. ID numbers and names in them are whole
// or masked by the caller's role (the README's "Subsidy identity: history, deaths and rosters").

export const SPELL_CHANGES = ['added', 'removed', 'changed', 'moved'] as const;
export const SpellChangeSchema = z.enum(SPELL_CHANGES);

const YearSchema = z.coerce.number().int().min(2000).max(2100);
const TierSchema = z.union([z.literal(1), z.literal(2)]);
const FormatSchema = z.enum(['json', 'csv', 'xlsx']).default('json');

// ---- Diff -------------------------------------------------------------------------------------

export const DiffQuerySchema = z.object({
  format: FormatSchema.describe('json, or a download: csv (UTF-8 with BOM) or xlsx, with Chinese headers'),
  change: SpellChangeSchema.optional().describe('only rows of this change'),
});
export type DiffQuery = z.infer<typeof DiffQuerySchema>;

/** A spell as the diff shows it on one side: null when there was none (added) or is none (removed). */
export const DiffSideSchema = z.object({
  identity: z.string(),
  villageCode: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});

export const DiffRowSchema = z.object({
  idNumber: z.string().describe('whole or masked by role'),
  name: z.string().nullable().describe('whole or masked by role'),
  identity: z.string().describe('identity code'),
  change: SpellChangeSchema,
  line: z
    .number()
    .int()
    .nullable()
    .describe('the file line that caused the change; null for people absent from a snapshot'),
  before: DiffSideSchema.nullable(),
  after: DiffSideSchema.nullable(),
});
export type DiffRow = z.infer<typeof DiffRowSchema>;

export const BatchDiffSchema = z.object({
  batchId: z.uuid(),
  department: DepartmentSchema,
  period: z.string(),
  status: z.string(),
  rows: z.array(DiffRowSchema),
});
export type BatchDiff = z.infer<typeof BatchDiffSchema>;

// ---- Identity history --------------------------------------------------------------------------

export const PersonIdentitiesQuerySchema = z.object({
  on: CivilDateSchema.optional().describe('the day asked about; default today (Asia/Shanghai)'),
  year: YearSchema.optional().describe(
    'insurance year whose policy decides the assistance; default the year being collected on `on`',
  ),
  tier: z.coerce.number().pipe(TierSchema).default(1).describe('contribution tier the assistance is for (default 1)'),
});
export type PersonIdentitiesQuery = z.infer<typeof PersonIdentitiesQuerySchema>;

export const IdentityOnDaySchema = z.object({
  code: z.string(),
  label: z.string().describe('the label the notices print'),
  department: z.string(),
  regionCode: z.string().describe('the village the department certified the person in'),
  from: z.string(),
  to: z.string().nullable(),
  batchId: z.uuid().describe('the feed batch that began the spell'),
});

export const AssistanceOnDaySchema = z.object({
  year: z.number().int(),
  tier: TierSchema,
  policyId: z.string().nullable().describe('the policy found for the village and year; null when none'),
  identity: z.string().nullable().describe('the identity that gives the highest assistance (就高); null for none'),
  assistanceFen: z
    .number()
    .int()
    .nullable()
    .describe(
      'null when the policy cannot say: none covers the village and year, or its assistance table is not loaded',
    ),
  reasons: z.array(ReasonSchema),
});

export const PersonIdentitiesSchema = z.object({
  idNumber: z.string(),
  on: z.string(),
  identities: z.array(IdentityOnDaySchema),
  assistance: AssistanceOnDaySchema,
});
export type PersonIdentities = z.infer<typeof PersonIdentitiesSchema>;

export const SPELL_END_REASONS = ['absent', 'removed', 'moved', 'changed', 'ended', 'death'] as const;

export const IdentitySpellSchema = z.object({
  code: z.string(),
  label: z.string(),
  department: z.string(),
  regionCode: z.string(),
  name: z.string().nullable(),
  from: z.string(),
  to: z.string().nullable(),
  current: z.boolean().describe('part of the department’s list as last applied'),
  superseded: z
    .boolean()
    .describe('replaced by a corrected spell before it began (ended as `changed`): what was believed before'),
  batchId: z.uuid(),
  endedBatchId: z.uuid().nullable(),
  endedReason: z.enum(SPELL_END_REASONS).nullable(),
});

export const PersonIdentityHistorySchema = z.object({
  idNumber: z.string(),
  diedOn: z.string().nullable().describe('the death a department reported, if any'),
  spells: z.array(IdentitySpellSchema),
});
export type PersonIdentityHistory = z.infer<typeof PersonIdentityHistorySchema>;

// ---- Deaths ------------------------------------------------------------------------------------

export const DEATH_DEPARTMENTS = ['health', 'civil-affairs'] as const;

export const PostDeathsQuerySchema = z.object({
  department: z
    .enum(DEATH_DEPARTMENTS)
    .optional()
    .describe('the reporting department: a feed key’s own (may be left out); required for admin'),
  fileName: z.string().max(255).optional(),
});
export type PostDeathsQuery = z.infer<typeof PostDeathsQuerySchema>;

export const DeathsAnswerSchema = z.object({
  rows: z.number().int().describe('data rows of the file'),
  deaths: z.number().int().describe('deaths recorded by this list, or moved to an earlier day'),
  alreadyRecorded: z.number().int().describe('valid rows whose death was already recorded (a re-post changes nothing)'),
  spellsEnded: z.number().int().describe('identity spells ended on the death day'),
  enrolmentsCancelled: z
    .number()
    .int()
    .describe(
      'registered, unpaid enrolments of the people who died; enrollment cancels them when the event reaches it',
    ),
  notRegistered: z
    .array(z.string())
    .describe('people of the list with no enrolment at all (masked ID numbers; the first 1000)'),
  notRegisteredCount: z.number().int(),
  errors: z.array(FeedRowErrorSchema).describe('the first 1000 row errors; valid rows are recorded all the same'),
});
export type DeathsAnswer = z.infer<typeof DeathsAnswerSchema>;

// ---- Rosters -----------------------------------------------------------------------------------

export const ROSTER_STATUSES = ['unregistered', 'registered', 'paid'] as const;
export const RosterStatusSchema = z.enum(ROSTER_STATUSES);

export const RosterQuerySchema = z.object({
  department: DepartmentSchema.optional().describe(
    'a feed key’s own by default; other keys: every department when left out',
  ),
  regionCode: z
    .string()
    .regex(/^(\d{6}|\d{9}|\d{12})$/, 'a county, township or village code')
    .optional()
    .describe('default the key’s region'),
  year: YearSchema.optional().describe('insurance year; default the year being collected on `on`'),
  on: CivilDateSchema.optional().describe('who holds the identities on this day; default today (Asia/Shanghai)'),
  status: z
    .enum(['unregistered', 'registered', 'paid', 'all'])
    .default('all')
    .describe('which people to list (totals count everyone)'),
  format: FormatSchema,
});
export type RosterQuery = z.infer<typeof RosterQuerySchema>;

export const RosterPersonSchema = z.object({
  idNumber: z.string(),
  name: z.string().nullable(),
  identities: z.array(z.string()).describe('identity codes held on the day, of the roster’s department(s)'),
  status: RosterStatusSchema,
  paidFen: z.number().int().nullable(),
});

/** Counts of one identity (or of everyone, `identity` null) in a group. */
export const RosterTotalSchema = z.object({
  identity: z.string().nullable(),
  persons: z.number().int(),
  unregistered: z.number().int(),
  registered: z.number().int(),
  paid: z.number().int(),
  paidFen: z.number().int(),
  percentPaid: z.number().nullable().describe('paid / persons × 100, one decimal'),
  targetPercent: z
    .number()
    .nullable()
    .describe('the policy’s goal for this group (targets.specialGroups); null when the policy sets none'),
  targetSource: z.string().nullable(),
  targetMet: z.boolean().nullable(),
});
export type RosterTotal = z.infer<typeof RosterTotalSchema>;

const GroupTotals = z.array(RosterTotalSchema).describe('everyone first (identity null), then each identity');

export const RosterVillageSchema = z.object({
  villageCode: z.string(),
  villageName: z.string().nullable(),
  persons: z.array(RosterPersonSchema),
  totals: GroupTotals,
});

export const RosterTownshipSchema = z.object({
  townshipCode: z.string(),
  townshipName: z.string().nullable(),
  villages: z.array(RosterVillageSchema),
  totals: GroupTotals,
});

export const RosterSchema = z.object({
  department: DepartmentSchema.nullable(),
  regionCode: z.string().nullable(),
  year: z.number().int(),
  on: z.string(),
  status: z.enum(['unregistered', 'registered', 'paid', 'all']),
  townships: z.array(RosterTownshipSchema),
  totals: GroupTotals,
});
export type Roster = z.infer<typeof RosterSchema>;

/** The ID number as typed: checked by the use case, which answers 422 INVALID_ID_NUMBER naming the field. */
export const PersonIdentitiesParamsSchema = z.object({ idNumber: z.string().max(40) });
