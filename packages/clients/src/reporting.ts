import type { FieldError } from '@rmi/contracts';
import { z } from 'zod';
import { type CallOptions, type ClientOptions, callOptions, operations } from './common.js';
import { ServiceError } from './errors.js';
import { createHttpClient, errorFromResponse, parseAnswer, type RawResponse } from './http-client.js';

const GraphQLErrorSchema = z
  .object({
    message: z.string(),
    path: z.array(z.union([z.string(), z.number()])).optional(),
    extensions: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const GraphQLResponseSchema = z.object({
  data: z.unknown().optional(),
  errors: z.array(GraphQLErrorSchema).optional(),
});

export type GraphQLError = z.infer<typeof GraphQLErrorSchema>;

export interface GraphQLOptions<T> extends CallOptions {
  /** Checks `data`; without it `data` is returned as the caller's `T`, unchecked. */
  schema?: z.ZodType<T>;
  operationName?: string;
}

function graphqlError(res: RawResponse, errors: GraphQLError[]): ServiceError {
  const first = errors[0] as GraphQLError;
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'GRAPHQL_ERROR';
  const fieldErrors: FieldError[] = errors.map((e) => ({
    path: e.path?.join('.') ?? '',
    message: e.message,
    ...(typeof e.extensions?.code === 'string' ? { code: e.extensions.code } : {}),
  }));
  return new ServiceError(first.message, {
    method: res.method,
    path: res.path,
    status: res.status,
    code,
    detail: first.message,
    errors: fieldErrors,
    requestId: res.requestId,
  });
}

export function createReportingClient(options: ClientOptions) {
  const http = createHttpClient(options);
  return {
    ...operations(http),

    /**
     * Runs a query and returns its `data`. Any GraphQL error throws, even beside partial data,
     * with the first error's `extensions.code` (OUT_OF_SCOPE …) as the ServiceError's code.
     */
    async graphql<T = unknown>(
      query: string,
      variables?: Record<string, unknown>,
      opts: GraphQLOptions<T> = {},
    ): Promise<T> {
      const res = await http.send({
        method: 'POST',
        path: '/graphql',
        body: {
          query,
          ...(variables ? { variables } : {}),
          ...(opts.operationName ? { operationName: opts.operationName } : {}),
        },
        ...callOptions(opts),
      });
      // Refused keys and roles come back as problem+json from the service kit, before GraphQL runs.
      if (res.contentType.startsWith('application/problem+json')) throw errorFromResponse(res);
      // Syntax and validation errors are GraphQL answers too, only with status 400.
      const envelope = GraphQLResponseSchema.safeParse(res.json);
      if (envelope.success && envelope.data.errors?.length) throw graphqlError(res, envelope.data.errors);
      if (res.status < 200 || res.status >= 300) throw errorFromResponse(res);
      const { data } = parseAnswer(res, GraphQLResponseSchema);
      if (!opts.schema) return data as T;
      return parseAnswer(res, z.object({ data: opts.schema })).data;
    },

    close: () => http.close(),
  };
}

export type ReportingClient = ReturnType<typeof createReportingClient>;
