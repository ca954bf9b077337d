import { ProblemSchema, RosterQuerySchema, RosterSchema, VILLAGE_WRITER_ROLES } from '@rmi/contracts';
import { actorOf, requireRole, sendDownload } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createRostersService } from '../../rosters/rosters.service.js';
import type { IdentityRoutesOptions } from '../routes-options.js';

/** Rosters of certified people and their enrolment, for departments to chase every one to paid. */
export default async function rosterRoutes(app: FastifyInstance, opts: IdentityRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const rosters = createRostersService({
    pool: opts.pool,
    catalog: opts.catalog,
    log: app.log,
    limits: { sessions: opts.config.ROSTER_SESSIONS, statementTimeoutMs: opts.config.ROSTER_STATEMENT_TIMEOUT_MS },
  });
  app.addHook('onClose', () => rosters.close());

  r.get(
    '/v1/rosters',
    {
      onRequest: requireRole('department-feed', 'dashboard', ...VILLAGE_WRITER_ROLES),
      schema: {
        tags: ['rosters'],
        summary:
          'Everyone holding a department’s identities on a day, with their enrolment of the year, by township and village',
        description:
          'Status per person from enrollment: no enrolment (or a cancelled one) is unregistered, paid or transferred ' +
          'is paid, else registered; `paidFen` is what was paid. Totals per village, township and overall, for ' +
          'everyone and per identity, with the share paid against the policy’s goal for special groups ' +
          '(targets.specialGroups: 100% in 2023 and 2024, 99% in 2025, 003#一; null when the policy sets none or does ' +
          'not list the identity). `status` filters the people listed, never the totals. `on` defaults to today ' +
          '(Asia/Shanghai), `year` to the insurance year being collected on `on`. A department feed key reads its own ' +
          'department (another is 403 OUT_OF_SCOPE) inside its region; operators, collectors and dashboards any ' +
          'department (all when none is named) inside theirs; a region outside the key’s is 403 OUT_OF_SCOPE. ID ' +
          'numbers and names are whole for all but dashboards, which see them masked. format=csv or xlsx: ' +
          'Chinese headers (乡镇, 乡镇代码, 村, 村代码, 身份证号码, 姓名, 身份类别, 参保状态, 缴费金额(元), 人数, 未登记, ' +
          '已登记未缴费, 已缴费, 缴费率(%), 目标(%), 是否达标), with 村小计, 乡镇合计 and 总计 rows. Streamed.',
        querystring: RosterQuerySchema,
        response: { 200: RosterSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (request, reply) => sendDownload(reply, await rosters.roster(actorOf(request), request.query)),
  );
}
