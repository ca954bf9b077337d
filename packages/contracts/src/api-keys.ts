import { DEPARTMENTS, ROLES } from '@rmi/rules';
import { z } from 'zod';

// The lists themselves live in rules (one each, shared with the db column types and the services).
export { DEPARTMENTS, ROLES, VILLAGE_WRITER_ROLES } from '@rmi/rules';
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const DepartmentSchema = z.enum(DEPARTMENTS);

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
