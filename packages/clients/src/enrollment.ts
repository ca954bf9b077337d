import {
  type ApiKey,
  ApiKeySchema,
  type CreateApiKeyBody,
  type CreatedApiKey,
  CreatedApiKeySchema,
  type CreatePersonBodySchema,
  type Person,
  PersonSchema,
  type Region,
  RegionSchema,
  RegionWithChildrenSchema,
} from '@rmi/contracts';
import { z } from 'zod';
import { type CallOptions, type ClientOptions, callOptions, operations } from './common.js';
import { createHttpClient } from './http-client.js';

export type RegionWithChildren = z.infer<typeof RegionWithChildrenSchema>;
/** What the caller sends: `category` may be left out (it defaults to `resident`). */
export type CreatePersonInput = z.input<typeof CreatePersonBodySchema>;

export function createEnrollmentClient(options: ClientOptions) {
  const http = createHttpClient(options);
  return {
    ...operations(http),

    /** Needs an admin key. The secret `key` is in this answer only. */
    createApiKey: (body: CreateApiKeyBody, call?: CallOptions): Promise<CreatedApiKey> =>
      http.request({ method: 'POST', path: '/v1/api-keys', body, schema: CreatedApiKeySchema, ...callOptions(call) }),

    listApiKeys: (call?: CallOptions): Promise<ApiKey[]> =>
      http.request({ method: 'GET', path: '/v1/api-keys', schema: z.array(ApiKeySchema), ...callOptions(call) }),

    /** Revoking twice is fine; an unknown id throws API_KEY_NOT_FOUND. */
    revokeApiKey: async (id: string, call?: CallOptions): Promise<void> => {
      await http.request({
        method: 'DELETE',
        path: `/v1/api-keys/${encodeURIComponent(id)}`,
        route: '/v1/api-keys/:id',
        schema: z.undefined(),
        ...callOptions(call),
      });
    },

    /** The provinces. */
    listRegions: (call?: CallOptions): Promise<Region[]> =>
      http.request({ method: 'GET', path: '/v1/regions', schema: z.array(RegionSchema), ...callOptions(call) }),

    getRegion: (code: string, call?: CallOptions): Promise<RegionWithChildren> =>
      http.request({
        method: 'GET',
        path: `/v1/regions/${encodeURIComponent(code)}`,
        route: '/v1/regions/:code',
        schema: RegionWithChildrenSchema,
        ...callOptions(call),
      }),

    createPerson: (body: CreatePersonInput, call?: CallOptions): Promise<Person> =>
      http.request({ method: 'POST', path: '/v1/persons', body, schema: PersonSchema, ...callOptions(call) }),

    getPerson: (idNumber: string, call?: CallOptions): Promise<Person> =>
      http.request({
        method: 'GET',
        path: `/v1/persons/${encodeURIComponent(idNumber)}`,
        route: '/v1/persons/:idNumber',
        schema: PersonSchema,
        ...callOptions(call),
      }),

    close: () => http.close(),
  };
}

export type EnrollmentClient = ReturnType<typeof createEnrollmentClient>;
