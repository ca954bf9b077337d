import { z } from 'zod';

// Policy documents themselves are shaped by PolicyDocumentSchema in @rmi/rules; these are the
// envelopes the enrollment service wraps them in.

export const PolicyIdSchema = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a lower-case slug such as cq-2025')
  .max(100);

export const PolicySummarySchema = z.object({
  id: z.string(),
  version: z.number().int().describe('1 for the first load; each changed load adds one'),
  year: z.number().int(),
  title: z.string(),
  jurisdiction: z.string(),
  regionCodes: z.array(z.string()),
  origin: z.enum(['built-in', 'api']).describe('shipped with the release, or loaded by an operator'),
  loadedAt: z.string().describe('ISO 8601 instant'),
  loadedBy: z.string().nullable().describe('API key id of the loader; null for built-in documents'),
});

export const PolicyVersionSchema = PolicySummarySchema.extend({
  inForce: z.boolean(),
  document: z.record(z.string(), z.unknown()).describe('the policy document (PolicyDocumentSchema of @rmi/rules)'),
});

export const PolicyLoadResultSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  created: z.boolean().describe('false when the document is identical to the version in force'),
});

export type PolicySummary = z.infer<typeof PolicySummarySchema>;
export type PolicyVersion = z.infer<typeof PolicyVersionSchema>;
export type PolicyLoadResult = z.infer<typeof PolicyLoadResultSchema>;
