import type { Readable } from 'node:stream';
import {
  type BatchDiff,
  BatchDiffSchema,
  type DeathsAnswer,
  DeathsAnswerSchema,
  type DepartmentSchema,
  type FeedBatchAnswer,
  FeedBatchAnswerSchema,
  type FeedBatchSummary,
  FeedBatchSummarySchema,
  type FeedSettings,
  FeedSettingsSchema,
  IdentityTypeSchema,
  type PersonIdentities,
  PersonIdentitiesSchema,
  type PersonIdentityHistory,
  PersonIdentityHistorySchema,
  ResolvedIdentitiesSchema,
  type Roster,
  RosterSchema,
  type UpdateFeedSettingsBody,
} from '@rmi/contracts';
import { z } from 'zod';
import { type CallOptions, type ClientOptions, callOptions, operations } from './common.js';
import { createHttpClient, errorFromResponse, parseAnswer, type RawResponse } from './http-client.js';

export type IdentityType = z.infer<typeof IdentityTypeSchema>;
export type ResolvedIdentities = z.infer<typeof ResolvedIdentitiesSchema>;
export type Department = z.infer<typeof DepartmentSchema>;

export interface RosterInput {
  department?: Department;
  regionCode?: string;
  year?: number;
  on?: string;
  status?: 'unregistered' | 'registered' | 'paid' | 'all';
}

/** A file as a department keeps it: CSV (any of the contract's encodings), XLSX or NDJSON. */
export interface FeedFile {
  data: Uint8Array | string | Readable;
  /** `text/csv`, `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` or `application/x-ndjson`. */
  contentType: string;
}

export interface PostFeedBatchInput {
  mode: 'snapshot' | 'delta';
  /** `YYYY-MM` */
  period: string;
  dryRun?: boolean;
  onRowErrors?: 'skip' | 'reject';
  fileName?: string;
}

/** A download as the service sent it (CSV in UTF-8 with a BOM, or XLSX). */
export interface Download {
  contentType: string;
  bytes: Buffer;
}

const isProblem = (res: RawResponse) => /^application\/problem\+json\b/i.test(res.contentType);

export function createSubsidyIdentityClient(options: ClientOptions) {
  const http = createHttpClient(options);

  /**
   * A batch's answer: applied (201), dry run or unchanged (200), held (202) and rejected (422) are
   * all answers about the batch; a problem (FILE_UNREADABLE, MISSING_COLUMNS, BATCH_HELD …) throws.
   */
  const batchAnswer = (res: RawResponse): FeedBatchAnswer => {
    if ((res.status >= 200 && res.status < 300) || (res.status === 422 && !isProblem(res))) {
      return parseAnswer(res, FeedBatchAnswerSchema);
    }
    throw errorFromResponse(res);
  };
  const download = async (
    path: string,
    route: string,
    query: Record<string, string | undefined>,
    call?: CallOptions,
  ) => {
    const res = await http.send({ method: 'GET', path, route, query, ...callOptions(call) });
    if (res.status !== 200) throw errorFromResponse(res);
    return { contentType: res.contentType, bytes: res.bytes } satisfies Download;
  };
  const batchPath = (id: string) => `/v1/feeds/batches/${encodeURIComponent(id)}`;

  return {
    ...operations(http),

    /** Posts a department's list (contracts/identity-feeds.md, "Posting a batch"). */
    postFeedBatch: async (
      department: Department,
      file: FeedFile,
      query: PostFeedBatchInput,
      call?: CallOptions & { idempotencyKey?: string },
    ): Promise<FeedBatchAnswer> => {
      const base = callOptions(call);
      const res = await http.send({
        method: 'POST',
        path: `/v1/feeds/${encodeURIComponent(department)}/batches`,
        route: '/v1/feeds/:department/batches',
        query: { ...query },
        file,
        signal: base.signal,
        headers: { ...base.headers, ...(call?.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : {}) },
      });
      return batchAnswer(res);
    },

    /** Applies a held batch as it was computed (409 BATCH_STALE once another was applied since). */
    confirmFeedBatch: async (id: string, call?: CallOptions): Promise<FeedBatchAnswer> =>
      batchAnswer(
        await http.send({
          method: 'POST',
          path: `${batchPath(id)}/confirm`,
          route: '/v1/feeds/batches/:id/confirm',
          ...callOptions(call),
        }),
      ),

    discardFeedBatch: async (id: string, call?: CallOptions): Promise<FeedBatchAnswer> =>
      batchAnswer(
        await http.send({
          method: 'POST',
          path: `${batchPath(id)}/discard`,
          route: '/v1/feeds/batches/:id/discard',
          ...callOptions(call),
        }),
      ),

    listFeedBatches: (
      query: { department?: Department; period?: string; limit?: number } = {},
      call?: CallOptions,
    ): Promise<FeedBatchSummary[]> =>
      http.request({
        method: 'GET',
        path: '/v1/feeds/batches',
        query,
        schema: z.array(FeedBatchSummarySchema),
        ...callOptions(call),
      }),

    getFeedSettings: (department: Department, call?: CallOptions): Promise<FeedSettings> =>
      http.request({
        method: 'GET',
        path: `/v1/feeds/settings/${encodeURIComponent(department)}`,
        route: '/v1/feeds/settings/:department',
        schema: FeedSettingsSchema,
        ...callOptions(call),
      }),

    /** Admin only. */
    updateFeedSettings: (
      department: Department,
      body: UpdateFeedSettingsBody,
      call?: CallOptions,
    ): Promise<FeedSettings> =>
      http.request({
        method: 'PUT',
        path: `/v1/feeds/settings/${encodeURIComponent(department)}`,
        route: '/v1/feeds/settings/:department',
        body,
        schema: FeedSettingsSchema,
        ...callOptions(call),
      }),

    /** What a batch changed (or would change, held or dry run), as JSON. */
    feedBatchDiff: (
      id: string,
      query: { change?: 'added' | 'removed' | 'changed' | 'moved' } = {},
      call?: CallOptions,
    ): Promise<BatchDiff> =>
      http.request({
        method: 'GET',
        path: `${batchPath(id)}/diff`,
        route: '/v1/feeds/batches/:id/diff',
        query: { ...query, format: 'json' },
        schema: BatchDiffSchema,
        ...callOptions(call),
      }),

    /** The diff as a file with Chinese headers. */
    downloadFeedBatchDiff: (
      id: string,
      format: 'csv' | 'xlsx',
      query: { change?: 'added' | 'removed' | 'changed' | 'moved' } = {},
      call?: CallOptions,
    ): Promise<Download> => download(`${batchPath(id)}/diff`, '/v1/feeds/batches/:id/diff', { ...query, format }, call),

    /** Each bad row of a batch with its line, codes and cells as sent. */
    downloadFeedBatchErrors: (id: string, call?: CallOptions): Promise<Download> =>
      download(`${batchPath(id)}/errors.csv`, '/v1/feeds/batches/:id/errors.csv', {}, call),

    /** The identities held on a day and the assistance they bring (就高). */
    personIdentities: (
      idNumber: string,
      query: { on?: string; year?: number; tier?: 1 | 2 } = {},
      call?: CallOptions,
    ): Promise<PersonIdentities> =>
      http.request({
        method: 'GET',
        path: `/v1/persons/${encodeURIComponent(idNumber)}/identities`,
        route: '/v1/persons/:idNumber/identities',
        query,
        schema: PersonIdentitiesSchema,
        ...callOptions(call),
      }),

    personIdentityHistory: (idNumber: string, call?: CallOptions): Promise<PersonIdentityHistory> =>
      http.request({
        method: 'GET',
        path: `/v1/persons/${encodeURIComponent(idNumber)}/identities/history`,
        route: '/v1/persons/:idNumber/identities/history',
        schema: PersonIdentityHistorySchema,
        ...callOptions(call),
      }),

    /** A list of deaths (health or civil affairs): spells end, enrollment is told. */
    postDeaths: (
      file: FeedFile,
      query: { department?: 'health' | 'civil-affairs'; fileName?: string } = {},
      call?: CallOptions,
    ): Promise<DeathsAnswer> =>
      http.request({
        method: 'POST',
        path: '/v1/deaths',
        query,
        file,
        schema: DeathsAnswerSchema,
        ...callOptions(call),
      }),

    /** Everyone holding a department's identities, with their enrolment for the year. */
    roster: (query: RosterInput = {}, call?: CallOptions): Promise<Roster> =>
      http.request({
        method: 'GET',
        path: '/v1/rosters',
        query: { ...query, format: 'json' },
        schema: RosterSchema,
        ...callOptions(call),
      }),

    downloadRoster: (format: 'csv' | 'xlsx', query: RosterInput = {}, call?: CallOptions): Promise<Download> =>
      download(
        '/v1/rosters',
        '/v1/rosters',
        { ...query, year: query.year === undefined ? undefined : String(query.year), format },
        call,
      ),

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
