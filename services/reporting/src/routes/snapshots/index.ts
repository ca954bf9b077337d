import { ProblemSchema } from '@rmi/contracts';
import { actorOf, requireRole } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ReportingDeps } from '../../deps.js';
import {
  SnapshotListQuerySchema,
  SnapshotListSchema,
  SnapshotsTakenSchema,
  TakeSnapshotBodySchema,
} from '../../weekly/snapshot-shapes.js';
import { listSnapshots, type SnapshotChangeRunner, takeRunningWeekSnapshot } from '../../weekly/snapshots.js';

/** Weekly snapshots: an operator's snapshot of the running week, and the list of those taken. */
export default async function snapshotsRoutes(
  app: FastifyInstance,
  opts: { deps: ReportingDeps; change: SnapshotChangeRunner },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/snapshots',
    {
      onRequest: requireRole('county-operator', 'township-operator'),
      schema: {
        tags: ['snapshots'],
        summary: 'Snapshot the running week now (every village’s figures), replacing an earlier one of the week',
        description:
          'Copies the counters of `year` (every year counted when omitted) under the ISO week holding today ' +
          '(Asia/Shanghai), so the week’s report reads the same later. The week’s closing snapshot is taken by ' +
          'the service once Monday 00:00 has passed; a closed week is final: 409 WEEK_CLOSED. Audited.',
        body: TakeSnapshotBodySchema.optional(),
        response: { 201: SnapshotsTakenSchema, 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const taken = await takeRunningWeekSnapshot(opts.deps, opts.change, actorOf(request), {
        year: request.body?.year,
      });
      return reply.code(201).send(taken);
    },
  );

  r.get(
    '/v1/snapshots',
    {
      onRequest: requireRole('county-operator', 'township-operator', 'dashboard'),
      schema: {
        tags: ['snapshots'],
        summary: 'The weekly snapshots taken, newest week first',
        querystring: SnapshotListQuerySchema,
        response: { 200: SnapshotListSchema, 400: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request) => ({ snapshots: await listSnapshots(opts.deps, { year: request.query.year }) }),
  );
}
