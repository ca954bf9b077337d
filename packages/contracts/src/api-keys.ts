import { z } from 'zod';

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
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const DEPARTMENT_CODES = [
  'civil-affairs',
  'disabled-persons-federation',
  'rural-affairs',
  'veterans-affairs',
  'restructuring-office',
  'education',
  'health',
  'tax',
] as const;
export const DepartmentSchema = z.enum(DEPARTMENT_CODES);

export const RegionCodeSchema = z
  .string()
  .regex(/^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$/, 'a division code of 2, 4, 6, 9 or 12 digits');

export const CreateApiKeyBodySchema = z.object({
  name: z.string().trim().min(1).max(200),
  role: RoleSchema,
  regionCode: RegionCodeSchema.optional(),
  department: DepartmentSchema.optional(),
});

export const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  role: RoleSchema,
  regionCode: z.string().nullable(),
  department: z.string().nullable(),
  keyPrefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export const CreatedApiKeySchema = z.object({
  id: z.uuid(),
  key: z.string().describe('the secret; shown only in this answer'),
  name: z.string(),
  role: RoleSchema,
  regionCode: z.string().nullable(),
  department: z.string().nullable(),
  createdAt: z.string(),
});

export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

/** `GET /v1/me` on every service: the key a caller presents, as that service sees it. */
export const CallerSchema = z.object({
  keyId: z.uuid(),
  name: z.string(),
  role: RoleSchema,
  regionCode: z.string().nullable(),
  department: z.string().nullable(),
});
export type Caller = z.infer<typeof CallerSchema>;
