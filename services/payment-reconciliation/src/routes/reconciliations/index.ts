import {
  CompareRunsParamsSchema,
  CompareRunsQuerySchema,
  CreateReconciliationBodySchema,
  ProblemSchema,
  ReconciliationItemPageSchema,
  ReconciliationItemsQuerySchema,
  ReconciliationRunParamsSchema,
  ReconciliationRunSchema,
  RunComparisonSchema,
} from '@rmi/contracts';
import { actorOf, requireRole, sendDownload } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createReconciliationsService } from '../../reconciliations/reconciliations.service.js';
import type { PaymentRoutesOptions } from '../routes-options.js';

const WHO =
  'County and township operators in their region, and admin; a run outside the key’s region is 403 ' +
  'OUT_OF_SCOPE, an unknown run 404 RECONCILIATION_NOT_FOUND.';

const CLASSES =
  'Classes: matched, unpaid, paid-not-enrolled, underpaid, overpaid, duplicate, reversed, assistance-owed ' +
  '(事后资助, with owedFen), assistance-mismatch, paid-after-death.';

/** Reconciliation runs (contracts/payments.md, "Reconciliation runs"). */
export default async function reconciliationRoutes(app: FastifyInstance, opts: PaymentRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const runs = createReconciliationsService({
    db: opts.db,
    change: opts.change,
    catalog: opts.catalog,
    statementTimeoutMs: opts.config.RECONCILE_STATEMENT_TIMEOUT_MS,
    log: app.log,
  });
  const readers = requireRole('county-operator', 'township-operator');

  r.post(
    '/v1/reconciliations',
    {
      onRequest: readers,
      schema: {
        tags: ['reconciliation'],
        summary: 'Reconcile a region’s year: every person-year classified, the run stored for good',
        description:
          'One statement over the enrolments of the year under the region (not cancelled), the payments recorded by ' +
          '`asOf` (default now; a payment reversed by then does not count) and the identities held on the payment ' +
          'day, with the assistance amounts of the policy in force. A person-year is the region’s by its enrolment, ' +
          'or, with none that year, by its payment’s village. A registration enrollment has not priced (its payment ' +
          'refused or not yet applied) is priced by the policy on its payment day. `counts` lists every class; ' +
          '`totalsFen`: expected (what the enrolled should have paid), paid (effective payments), owed (事后资助) and ' +
          'unmatched (paid-not-enrolled). Runs of one county and year queue behind each other. ' +
          CLASSES +
          ' A region wider than a county is 422 REGION_TOO_WIDE; `asOf` in the future 400; a run longer than ' +
          'RECONCILE_STATEMENT_TIMEOUT_MS is rolled back, 503 RECONCILIATION_TIMED_OUT. ' +
          WHO,
        body: CreateReconciliationBodySchema,
        response: {
          201: ReconciliationRunSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          422: ProblemSchema,
          503: ProblemSchema,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await runs.start(actorOf(request), request.body)),
  );

  r.get(
    '/v1/reconciliations/:runId',
    {
      onRequest: readers,
      schema: {
        tags: ['reconciliation'],
        summary: 'A stored run: its counts per class and totals',
        description: WHO,
        params: ReconciliationRunParamsSchema,
        response: {
          200: ReconciliationRunSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request) => runs.get(actorOf(request), request.params.runId),
  );

  r.get(
    '/v1/reconciliations/:runId/items',
    {
      onRequest: readers,
      schema: {
        tags: ['reconciliation'],
        summary: 'A run’s person-years: JSON pages, or the whole list as CSV or XLSX',
        description:
          'format=json: pages in ID-number order (`after` = the previous page’s `next`). format=csv (UTF-8 with BOM) ' +
          'or xlsx: every item (of `class` when given), streamed, with Chinese headers 身份证号码, 姓名, 村代码, ' +
          '核对结果, 类别代码, 应缴金额(元), 实缴金额(元), 应退资助金额(元), 缴费记录. ' +
          CLASSES +
          ' ' +
          WHO,
        params: ReconciliationRunParamsSchema,
        querystring: ReconciliationItemsQuerySchema,
        response: {
          200: ReconciliationItemPageSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const answer = await runs.items(actorOf(request), request.params.runId, request.query);
      return answer.kind === 'page' ? answer.page : sendDownload(reply, answer.download);
    },
  );

  r.get(
    '/v1/reconciliations/:a/compare/:b',
    {
      onRequest: readers,
      schema: {
        tags: ['reconciliation'],
        summary: 'The person-years whose class changed from run a to run b',
        description:
          'In ID-number order, in pages (`after` = the previous page’s `next`); a person-year in one run only counts ' +
          'as changed (`before` or `after` null). Both runs must be of one region and year, else 422 ' +
          'RUNS_NOT_COMPARABLE. ' +
          WHO,
        params: CompareRunsParamsSchema,
        querystring: CompareRunsQuerySchema,
        response: {
          200: RunComparisonSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => runs.compare(actorOf(request), request.params.a, request.params.b, request.query),
  );
}
