import type { PERSON_CATEGORIES, QUOTE_CATEGORIES, ROLES, STUDENT_STATUSES } from '@rmi/rules';
import type { ColumnType, Generated, SelectType } from 'kysely';

// Row shapes of every table the services touch, by schema. Kept by hand beside the migrations.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A civil date, `YYYY-MM-DD` in Asia/Shanghai; never a JS Date. */
type CivilDate = string;

export type RegionLevel = 'province' | 'city' | 'county' | 'township' | 'village';

export interface RegionsTable {
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
  source: string;
  updated_at: Timestamp;
}

// Column types of the vocabularies `rules` lists once (roles, categories): a value added there is
// accepted here, and a migration's CHECK constraint is the one other place to extend.
export type Role = (typeof ROLES)[number];

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  role: Role;
  region_code: string | null;
  department: string | null;
  key_hash: string;
  key_prefix: string;
  created_at: Timestamp;
  created_by: string | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  service: string;
  actor_key_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  region_code: string | null;
  request_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export type PersonCategory = (typeof PERSON_CATEGORIES)[number];

export interface PersonsTable {
  id_number: string;
  name: string;
  sex: 'male' | 'female';
  birth_date: CivilDate;
  hukou_region_code: string;
  category: PersonCategory;
  phone: string | null;
  household_id: string | null;
  relation: HouseholdRelation | null;
  school: string | null;
  guardian_id_number: string | null;
  died_on: CivilDate | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type HouseholdRelation = 'head' | 'spouse' | 'child' | 'parent' | 'grandchild' | 'sibling' | 'other';

export interface HouseholdsTable {
  id: Generated<string>;
  region_code: string;
  number: string | null;
  head_id_number: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type EnrolmentStatus = 'registered' | 'paid' | 'cancelled' | 'transferred';
/** What reporting sees: a paid enrolment is waiting, covered or ended depending on the day. */
export type EffectiveStatus = 'registered' | 'waiting' | 'covered' | 'ended' | 'cancelled' | 'transferred';
export type QuoteCategory = (typeof QUOTE_CATEGORIES)[number];
export type StudentStatus = (typeof STUDENT_STATUSES)[number];
type Fen = ColumnType<number, number | bigint, number | bigint>;

export interface EnrolmentsTable {
  id_number: string;
  year: number;
  region_code: string;
  category: ColumnType<QuoteCategory, QuoteCategory | undefined, QuoteCategory>;
  tier: ColumnType<1 | 2, 1 | 2 | undefined, 1 | 2>;
  status: ColumnType<EnrolmentStatus, EnrolmentStatus | undefined, EnrolmentStatus>;
  basis: ColumnType<'independent' | 'guardian', 'independent' | 'guardian' | undefined, 'independent' | 'guardian'>;
  guardian_id_number: string | null;
  student_status: StudentStatus | null;
  policy_id: string | null;
  policy_version: number | null;
  identities: ColumnType<string[], string[] | undefined, string[]>;
  assistance_identity: string | null;
  standard_fen: Fen | null;
  fiscal_subsidy_fen: Fen | null;
  assistance_fen: Fen | null;
  waiver_fen: Fen | null;
  personal_fen: Fen | null;
  paid_fen: Fen | null;
  paid_on: CivilDate | null;
  payment_id: string | null;
  benefit_start: CivilDate | null;
  benefit_end: CivilDate | null;
  waiting_days: number | null;
  reasons: ColumnType<unknown, string | null | undefined, string | null>;
  cancel_reason: 'death' | 'moved' | 'duplicate' | null;
  cancelled_on: CivilDate | null;
  employee_cover_from: CivilDate | null;
  import_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A payment reversed (冲正); its enrolment was registered again, the payment's fields cleared. */
export interface PaymentReversalsTable {
  payment_id: string;
  id_number: string;
  year: number;
  region_code: string;
  paid_fen: Fen | null;
  paid_on: CivilDate | null;
  reversed_on: CivilDate;
  reason: string;
  reversed_by: string | null;
  reversed_at: Timestamp;
}

export interface ExternalCoveragesTable {
  id_number: string;
  year: number;
  kind: 'employee' | 'resident-elsewhere';
  insurer: string;
  starts_on: CivilDate | null;
  reported_by: string | null;
  reported_at: Timestamp;
}

export type ImportStatus = 'receiving' | 'validating' | 'applying' | 'applied' | 'rejected' | 'failed';

export interface ImportsTable {
  id: Generated<string>;
  year: number;
  mode: 'whole-file' | 'valid-rows';
  status: ColumnType<ImportStatus, ImportStatus | undefined, ImportStatus>;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  file_name: string | null;
  scope_region_code: string | null;
  bytes_received: ColumnType<number, number | undefined, number>;
  rows_total: number | null;
  rows_rejected: number | null;
  persons_created: number | null;
  enrolments_created: number | null;
  rows_unchanged: number | null;
  problem: ColumnType<unknown, string | null | undefined, string | null>;
  created_by: string | null;
  created_at: Timestamp;
  finished_at: Date | null;
}

export interface ImportRejectionsTable {
  import_id: string;
  line: number;
  reasons: string[];
  row: ColumnType<Record<string, string | null>, string, string>;
}

export interface TargetsTable {
  region_code: string;
  year: number;
  target: number;
  basis: 'loaded' | 'hukou-population' | 'enrolled-on-date';
  basis_date: CivilDate | null;
  source: string | null;
  set_by: string | null;
  set_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<number>;
  topic: string;
  payload: ColumnType<unknown, string, string>;
  created_at: Timestamp;
  /** The writing transaction (`xid8`, read as a decimal string); delivery follows (xid, id). */
  xid: Generated<string>;
}

export interface OutboxCursorsTable {
  subscriber: string;
  delivered_through: ColumnType<number, number | undefined, number>;
  delivered_xid: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  /** Answers that refused the batch itself; at `OUTBOX_MAX_ATTEMPTS` it is set aside. */
  refusals: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  updated_at: Timestamp;
}

export interface OutboxDeadLettersTable {
  id: Generated<number>;
  subscriber: string;
  /** The outbox rows a retry sends; retention keeps them while `redelivered_at` is null. Read as text (bigint[]). */
  event_ids: ColumnType<string[], number[], number[]>;
  /** A copy for people to read, ID numbers masked. */
  events: ColumnType<unknown, string, string>;
  attempts: number;
  last_error: string;
  set_aside_at: Timestamp;
  redelivered_at: Date | null;
  updated_at: Timestamp;
}

export interface ReceivedEventsTable {
  source: string;
  id: number;
  topic: string;
  payload: ColumnType<unknown, string, string>;
  received_at: Timestamp;
}

export interface EnrollmentFactsView {
  id_number: string;
  year: number;
  village_code: string;
  township_code: string;
  county_code: string;
  category: QuoteCategory;
  tier: 1 | 2;
  basis: 'independent' | 'guardian';
  stored_status: EnrolmentStatus;
  status: EffectiveStatus;
  assistance_identity: string | null;
  identities: string[];
  standard_fen: number | null;
  fiscal_subsidy_fen: number | null;
  assistance_fen: number | null;
  waiver_fen: number | null;
  personal_fen: number | null;
  paid_fen: number | null;
  paid_on: CivilDate | null;
  benefit_start: CivilDate | null;
  benefit_end: CivilDate | null;
  waiting_days: number | null;
  policy_id: string | null;
  cancel_reason: string | null;
  cancelled_on: CivilDate | null;
  employee_cover_from: CivilDate | null;
  sex: 'male' | 'female';
  birth_date: CivilDate;
  person_category: PersonCategory;
  created_at: Date;
  updated_at: Date;
  /** The payment applied to the enrolment (payment-reconciliation's id), null until paid. */
  payment_id: string | null;
  name: string;
  died_on: CivilDate | null;
}

export interface IdentityTypesTable {
  code: string;
  labels: string[];
  department: string;
  cq_assistance_code: string | null;
}

export type FeedMode = 'snapshot' | 'delta';
export type BatchStatus =
  | 'computing'
  | 'applied'
  | 'dry-run'
  | 'unchanged'
  | 'held'
  | 'rejected'
  | 'discarded'
  | 'failed';
export type SpellChange = 'added' | 'removed' | 'changed' | 'moved';

export interface FeedSettingsTable {
  department: string;
  /** numeric: read as a decimal string. */
  max_removal_share: ColumnType<string, number | string | undefined, number | string>;
  min_row_share: ColumnType<string, number | string | undefined, number | string>;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface FeedBatchesTable {
  id: Generated<string>;
  department: string;
  mode: FeedMode;
  period: string;
  period_start: CivilDate;
  scope_region_code: string | null;
  status: BatchStatus;
  on_row_errors: ColumnType<'skip' | 'reject', 'skip' | 'reject' | undefined, 'skip' | 'reject'>;
  content_sha256: string;
  format: 'csv' | 'xlsx' | 'ndjson';
  encoding: string | null;
  file_name: string | null;
  idempotency_key: string | null;
  rows: ColumnType<number, number | undefined, number>;
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  held_reason: string | null;
  based_on: string | null;
  answer_of: string | null;
  created_by: string | null;
  created_at: Timestamp;
  decided_by: string | null;
  decided_at: Date | null;
  applied_at: Date | null;
}

export interface BatchChangesTable {
  batch_id: string;
  id_number: string;
  identity_code: string;
  change: SpellChange;
  name: string | null;
  line: number | null;
  before_village: string | null;
  before_from: CivilDate | null;
  before_to: CivilDate | null;
  after_village: string | null;
  after_from: CivilDate | null;
  after_to: CivilDate | null;
}

export interface BatchErrorsTable {
  batch_id: string;
  line: number;
  /** `[{ column, code, message }]` */
  errors: ColumnType<{ column: string | null; code: string; message: string }[], string, string>;
  cells: ColumnType<Record<string, string | null>, string, string>;
}

export interface SpellsTable {
  id: Generated<number>;
  id_number: string;
  identity_code: string;
  department: string;
  region_code: string;
  name: string | null;
  valid_from: CivilDate;
  valid_to: CivilDate | null;
  current: ColumnType<boolean, boolean | undefined, boolean>;
  batch_id: string;
  ended_batch_id: string | null;
  ended_reason: 'absent' | 'removed' | 'moved' | 'changed' | 'ended' | 'death' | null;
}

export interface DeathsTable {
  id_number: string;
  died_on: CivilDate;
  name: string | null;
  department: string;
  recorded_by: string | null;
  recorded_at: Timestamp;
}

/** `identity.v_identity_spells`: who held which identity on which day (contracts/identity-feeds.md). */
export interface IdentitySpellsView {
  id_number: string;
  identity_code: string;
  department: string;
  region_code: string;
  valid_from: CivilDate;
  valid_to: CivilDate | null;
  batch_id: string;
}

export interface IdentityRegionsView {
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
}

export interface ChannelsTable {
  code: string;
  name: string;
  kind: 'online' | 'offline' | 'cash';
  source: string;
}

export type PaymentSource = 'api' | 'tax' | 'channel' | 'assistance-batch' | 'cash';
export type PaymentStatus = 'recorded' | 'applied' | 'parked';
export type PaymentImportStatus = 'computing' | 'applied' | 'dry-run' | 'unchanged' | 'rejected' | 'failed';

export interface PaymentImportsTable {
  id: Generated<string>;
  source: 'tax' | 'channel' | 'assistance-batch';
  year: number;
  status: PaymentImportStatus;
  dry_run: ColumnType<boolean, boolean | undefined, boolean>;
  scope_region_code: string | null;
  content_sha256: string;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  file_name: string | null;
  rows: ColumnType<number, number | undefined, number>;
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  failure: string | null;
  created_by: string | null;
  created_at: Timestamp;
  finished_at: Date | null;
}

export interface PaymentImportErrorsTable {
  import_id: string;
  line: number;
  /** `[{ column, code, message }]` */
  errors: ColumnType<{ column: string | null; code: string; message: string }[], string, string>;
  cells: ColumnType<Record<string, string | null>, string, string>;
}

export interface PaymentsTable {
  id: Generated<string>;
  channel: string;
  voucher_number: string;
  id_number: string;
  year: number;
  tier: 1 | 2 | null;
  amount_fen: ColumnType<number, number, number>;
  assistance_fen: ColumnType<number, number | undefined, number>;
  paid_at: Timestamp;
  paid_on: CivilDate;
  village_code: string | null;
  payer_name: string | null;
  source: PaymentSource;
  import_id: string | null;
  line: number | null;
  tax_office_code: string | null;
  assistance_category: string | null;
  request_batch: string | null;
  idempotency_key: string | null;
  status: ColumnType<PaymentStatus, PaymentStatus | undefined, PaymentStatus>;
  problem_code: string | null;
  problem_detail: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  applied_at: Date | null;
  recorded_by: string | null;
  recorded_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentReversalRowsTable {
  payment_id: string;
  reversed_at: Timestamp;
  reversed_on: CivilDate;
  reason: string;
  voucher_number: string | null;
  source: PaymentSource;
  import_id: string | null;
  line: number | null;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  problem_code: string | null;
  told_at: Date | null;
  recorded_by: string | null;
  recorded_at: Timestamp;
}

export interface ReconciliationRunsTable {
  id: Generated<string>;
  region_code: string;
  year: number;
  as_of: Timestamp;
  counts: ColumnType<Record<string, number>, string, string>;
  totals: ColumnType<Record<string, number>, string, string>;
  notes: ColumnType<string[], string | undefined, string>;
  created_by: string | null;
  created_at: Timestamp;
}

export interface ReconciliationItemsTable {
  run_id: string;
  id_number: string;
  name: string | null;
  village_code: string | null;
  class: string;
  expected_fen: ColumnType<number | null, number | null, number | null>;
  paid_fen: ColumnType<number, number, number>;
  owed_fen: ColumnType<number | null, number | null, number | null>;
  payment_ids: string[];
}

export interface CashDepositsTable {
  id: Generated<string>;
  bank_slip_number: string;
  collector_key_id: string | null;
  collector_name: string;
  region_code: string | null;
  deposited_at: Timestamp;
  deposited_on: CivilDate;
  amount_fen: ColumnType<number, number, number>;
  recorded_at: Timestamp;
}

export interface CashReceiptsTable {
  receipt_number: string;
  payment_id: string;
  collector_key_id: string | null;
  collector_name: string;
  village_code: string | null;
  id_number: string;
  year: number;
  tier: 1 | 2;
  amount_fen: ColumnType<number, number, number>;
  received_at: Timestamp;
  received_on: CivilDate;
  payer_name: string | null;
  agent_name: string | null;
  deposit_id: string | null;
  recorded_at: Timestamp;
}

/** `payment.v_payments`: payments as reporting reads them, reversals flagged, without names. */
export interface PaymentsView {
  payment_id: string;
  channel: string;
  id_number: string;
  year: number;
  tier: 1 | 2 | null;
  amount_fen: number;
  assistance_fen: number;
  paid_on: CivilDate;
  village_code: string | null;
  source: PaymentSource;
  status: PaymentStatus;
  recorded_at: Date;
  reversed_on: CivilDate | null;
  reversed: boolean;
}

export interface RegionsView {
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
  child_count: number;
}

export interface PoliciesTable {
  id: string;
  version: number;
  year: number;
  region_codes: string[];
  document: ColumnType<unknown, string, string>;
  loaded_at: Timestamp;
  loaded_by: string | null;
  origin: 'built-in' | 'api';
}

export interface TargetsView {
  village_code: string;
  year: number;
  target: number;
  basis: 'loaded' | 'hukou-population' | 'enrolled-on-date';
  basis_date: CivilDate | null;
}

/** `reporting.village_counters`: a village's enrolments and paid money for a year, kept from events. */
export interface VillageCountersTable {
  year: number;
  village_code: string;
  target: number | null;
  registered: Generated<number>;
  paid: Generated<number>;
  cancelled: Generated<number>;
  transferred: Generated<number>;
  personal_fen: Generated<number>;
  assistance_fen: Generated<number>;
  fiscal_fen: Generated<number>;
  refreshed_at: Generated<Timestamp>;
}

/** `reporting.group_counters`: persons certified with an identity in a village, enrolled and paid. */
export interface GroupCountersTable {
  year: number;
  village_code: string;
  identity_code: string;
  department: string;
  certified: number;
  enrolled: number;
  paid: number;
}

/** `reporting.daily_counters`: enrolments paid on each day, with their money. */
export interface DailyCountersTable {
  year: number;
  village_code: string;
  day: CivilDate;
  paid: number;
  personal_fen: number;
  assistance_fen: number;
  fiscal_fen: number;
}

/** `reporting.channel_counters`: payments recorded by village, day paid and channel. */
export interface ChannelCountersTable {
  year: number;
  village_code: string;
  day: CivilDate;
  channel: string;
  payments: number;
  amount_fen: number;
  assistance_fen: number;
  reversals: number;
  reversed_fen: number;
}

/** `reporting.snapshots`: one week's figures, closed when the week ends. */
export interface SnapshotsTable {
  id: Generated<string>;
  year: number;
  week: string;
  closed: Generated<boolean>;
  taken_at: Generated<Timestamp>;
  taken_by: string | null;
}

export interface SnapshotVillagesTable {
  snapshot_id: string;
  village_code: string;
  target: number | null;
  registered: number;
  paid: number;
  cancelled: number;
  transferred: number;
}

export interface SnapshotGroupsTable {
  snapshot_id: string;
  village_code: string;
  identity_code: string;
  department: string;
  certified: number;
  enrolled: number;
  paid: number;
}

/** `payment.v_reconciliation_runs`: runs as payment-reconciliation stored them. */
export interface ReconciliationRunsView {
  run_id: string;
  region_code: string;
  year: number;
  as_of: Timestamp;
  counts: unknown;
  totals: unknown;
  created_at: Timestamp;
}

/** `payment.v_reconciliation_items`: a run's classes by village, without names or ID numbers. */
export interface ReconciliationItemsView {
  run_id: string;
  village_code: string | null;
  class: string;
  expected_fen: number | null;
  paid_fen: number;
  owed_fen: number | null;
}

/** `payment.v_cash_receipts`: the cash ledger, each receipt with the deposit that banked it. */
export interface CashReceiptsView {
  receipt_number: string;
  payment_id: string;
  collector_key: string;
  collector_name: string;
  village_code: string | null;
  year: number;
  amount_fen: number;
  received_at: Timestamp;
  received_on: CivilDate;
  deposited_at: Timestamp | null;
  deposited_on: CivilDate | null;
}

export interface Database {
  'core.regions': RegionsTable;
  'core.api_keys': ApiKeysTable;
  'core.audit_log': AuditLogTable;
  'core.policies': PoliciesTable;
  'core.targets': TargetsTable;
  'enrollment.persons': PersonsTable;
  'enrollment.households': HouseholdsTable;
  'enrollment.enrolments': EnrolmentsTable;
  'enrollment.external_coverages': ExternalCoveragesTable;
  'enrollment.payment_reversals': PaymentReversalsTable;
  'enrollment.imports': ImportsTable;
  'enrollment.import_rejections': ImportRejectionsTable;
  'enrollment.outbox': OutboxTable;
  'enrollment.outbox_cursors': OutboxCursorsTable;
  'enrollment.outbox_dead_letters': OutboxDeadLettersTable;
  'enrollment.v_enrollment_facts': EnrollmentFactsView;
  'enrollment.v_targets': TargetsView;
  'reporting.received_events': ReceivedEventsTable;
  'enrollment.received_events': ReceivedEventsTable;
  'identity.identity_types': IdentityTypesTable;
  'identity.feed_settings': FeedSettingsTable;
  'identity.batches': FeedBatchesTable;
  'identity.batch_changes': BatchChangesTable;
  'identity.batch_errors': BatchErrorsTable;
  'identity.spells': SpellsTable;
  'identity.deaths': DeathsTable;
  'identity.outbox': OutboxTable;
  'identity.outbox_cursors': OutboxCursorsTable;
  'identity.outbox_dead_letters': OutboxDeadLettersTable;
  'identity.v_identity_spells': IdentitySpellsView;
  'identity.v_regions': IdentityRegionsView;
  'payment.channels': ChannelsTable;
  'payment.imports': PaymentImportsTable;
  'payment.import_errors': PaymentImportErrorsTable;
  'payment.payments': PaymentsTable;
  'payment.reversals': PaymentReversalRowsTable;
  'payment.reconciliation_runs': ReconciliationRunsTable;
  'payment.reconciliation_items': ReconciliationItemsTable;
  'payment.cash_deposits': CashDepositsTable;
  'payment.cash_receipts': CashReceiptsTable;
  'payment.outbox': OutboxTable;
  'payment.outbox_cursors': OutboxCursorsTable;
  'payment.outbox_dead_letters': OutboxDeadLettersTable;
  'payment.v_payments': PaymentsView;
  'payment.v_reconciliation_runs': ReconciliationRunsView;
  'payment.v_reconciliation_items': ReconciliationItemsView;
  'payment.v_cash_receipts': CashReceiptsView;
  'reporting.v_regions': RegionsView;
  'reporting.village_counters': VillageCountersTable;
  'reporting.group_counters': GroupCountersTable;
  'reporting.daily_counters': DailyCountersTable;
  'reporting.channel_counters': ChannelCountersTable;
  'reporting.snapshots': SnapshotsTable;
  'reporting.snapshot_villages': SnapshotVillagesTable;
  'reporting.snapshot_groups': SnapshotGroupsTable;
}

/**
 * What enrollment may name: its own schema, and `core`, which it administers (keys, regions,
 * policies, targets, the audit log); the views it publishes for others only to read. It reads no
 * other service's tables or views, so a query naming one fails to compile there.
 */
export type EnrollmentDatabase = Pick<
  Database,
  Exclude<Extract<keyof Database, `core.${string}` | `enrollment.${string}`>, `enrollment.v_${string}`>
> & {
  'enrollment.v_enrollment_facts': ReadOnlyView<EnrollmentFactsView>;
  'enrollment.v_targets': ReadOnlyView<TargetsView>;
  /** Identities held on a payment's day decide its assistance (contracts/identity-feeds.md). */
  'identity.v_identity_spells': ReadOnlyView<IdentitySpellsView>;
};

declare const notWritable: unique symbol;
/** A value no code can produce (`never` would drop the column from inserts instead of refusing it). */
type NotWritable = { readonly [notWritable]: true };

/**
 * A view another service publishes, as a reader sees it: every column selectable, and an insert or
 * update through it fails to compile.
 */
export type ReadOnlyView<T> = { [K in keyof T]: ColumnType<SelectType<T[K]>, NotWritable, NotWritable> };

/**
 * What subsidy-identity may name: its own schema (its published view read-only, like the division
 * tree it reads), and the enrolments enrollment publishes, for rosters.
 */
export type IdentityDatabase = Pick<
  Database,
  Exclude<Extract<keyof Database, `identity.${string}`>, `identity.v_${string}`>
> & {
  'identity.v_identity_spells': ReadOnlyView<IdentitySpellsView>;
  'identity.v_regions': ReadOnlyView<IdentityRegionsView>;
  'enrollment.v_enrollment_facts': ReadOnlyView<EnrollmentFactsView>;
  'enrollment.v_targets': ReadOnlyView<TargetsView>;
};

/**
 * What payment-reconciliation may name: its own schema (its published view read-only), and what
 * reconciliation reads: the enrolments enrollment publishes and the identity spells
 * subsidy-identity publishes (read-only).
 */
export type PaymentDatabase = Pick<
  Database,
  Exclude<Extract<keyof Database, `payment.${string}`>, `payment.v_${string}`>
> & {
  'payment.v_payments': ReadOnlyView<PaymentsView>;
  'enrollment.v_enrollment_facts': ReadOnlyView<EnrollmentFactsView>;
  'identity.v_identity_spells': ReadOnlyView<IdentitySpellsView>;
};

/**
 * What reporting may name: the table it owns (events received) and the views it reads, read-only.
 * A query on another service's table, or a write through a view, does not compile there.
 */
export type ReportingDatabase = Pick<
  Database,
  Exclude<Extract<keyof Database, `reporting.${string}`>, `reporting.v_${string}`>
> & {
  'reporting.v_regions': ReadOnlyView<RegionsView>;
  'enrollment.v_enrollment_facts': ReadOnlyView<EnrollmentFactsView>;
  'enrollment.v_targets': ReadOnlyView<TargetsView>;
  'identity.v_identity_spells': ReadOnlyView<IdentitySpellsView>;
  'payment.v_payments': ReadOnlyView<PaymentsView>;
  'payment.v_reconciliation_runs': ReadOnlyView<ReconciliationRunsView>;
  'payment.v_reconciliation_items': ReadOnlyView<ReconciliationItemsView>;
  'payment.v_cash_receipts': ReadOnlyView<CashReceiptsView>;
};
