import type { ColumnType, Generated } from 'kysely';

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

export type Role = 'admin' | 'county-operator' | 'township-operator' | 'collector' | 'department-feed' | 'dashboard';

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

export type PersonCategory =
  | 'resident'
  | 'student'
  | 'college-student'
  | 'newborn'
  | 'residence-permit'
  | 'foreign-permanent-resident'
  | 'hk-macau-taiwan';

export interface PersonsTable {
  id_number: string;
  name: string;
  sex: 'male' | 'female';
  birth_date: CivilDate;
  hukou_region_code: string;
  category: PersonCategory;
  phone: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdentityTypesTable {
  code: string;
  labels: string[];
  department: string;
  cq_assistance_code: string | null;
}

export interface ChannelsTable {
  code: string;
  name: string;
  kind: 'online' | 'offline' | 'cash';
  source: string;
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

export interface Database {
  'core.regions': RegionsTable;
  'core.api_keys': ApiKeysTable;
  'core.audit_log': AuditLogTable;
  'core.policies': PoliciesTable;
  'enrollment.persons': PersonsTable;
  'identity.identity_types': IdentityTypesTable;
  'payment.channels': ChannelsTable;
  'reporting.v_regions': RegionsView;
}
