// The roles of contracts/auth.md. They live here, beside the other vocabulary, because every layer
// names them: contracts (zod enums), db (the `core.api_keys.role` column type) and the services'
// route guards; `rules` is the one package all of them depend on.

export const ROLES = [
  'admin',
  'county-operator',
  'township-operator',
  'collector',
  'department-feed',
  'dashboard',
  // Added to contracts/auth.md: calls between services (applying payments, delivering events);
  // no region or department, like admin, but only the internal routes accept it.
  'service',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * The roles that write in a village: register persons, households and enrolments, upload
 * registration files, record payments and cash receipts (contracts/auth.md). Admin is implied
 * wherever `requireRole` is used.
 */
export const VILLAGE_WRITER_ROLES = ['county-operator', 'township-operator', 'collector'] as const;
export type VillageWriterRole = (typeof VILLAGE_WRITER_ROLES)[number];
