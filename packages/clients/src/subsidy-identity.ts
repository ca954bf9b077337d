import { type DepartmentSchema, IdentityTypeSchema, ResolvedIdentitiesSchema } from '@rmi/contracts';
import { z } from 'zod';
import { type CallOptions, type ClientOptions, callOptions, operations } from './common.js';
import { createHttpClient } from './http-client.js';

export type IdentityType = z.infer<typeof IdentityTypeSchema>;
export type ResolvedIdentities = z.infer<typeof ResolvedIdentitiesSchema>;
export type Department = z.infer<typeof DepartmentSchema>;

export function createSubsidyIdentityClient(options: ClientOptions) {
  const http = createHttpClient(options);
  return {
    ...operations(http),

    /** A department-feed key always gets its own department, whatever is asked. */
    listIdentityTypes: (query: { department?: Department } = {}, call?: CallOptions): Promise<IdentityType[]> =>
      http.request({
        method: 'GET',
        path: '/v1/identity-types',
        query: { department: query.department },
        schema: z.array(IdentityTypeSchema),
        ...callOptions(call),
      }),

    /** Labels as notices print them, or Chongqing assistance numbers, to identity codes. */
    resolveIdentities: (identities: readonly string[], call?: CallOptions): Promise<ResolvedIdentities> =>
      http.request({
        method: 'POST',
        path: '/v1/identity-types/resolve',
        body: { identities },
        schema: ResolvedIdentitiesSchema,
        ...callOptions(call),
      }),

    close: () => http.close(),
  };
}

export type SubsidyIdentityClient = ReturnType<typeof createSubsidyIdentityClient>;
