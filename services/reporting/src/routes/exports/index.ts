import { ProblemSchema } from '@rmi/contracts';
import { principalOf, requireRole, sendDownload } from '@rmi/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ReportingDeps } from '../../deps.js';
import { ExportParamsSchema, ExportQuerySchema } from '../../exports/export-shapes.js';
import { exportReport } from '../../exports/exports.js';

/** The reports as files a township office files (contracts/reporting.md "Exports"). */
export default async function exportsRoutes(app: FastifyInstance, opts: { deps: ReportingDeps }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/exports/:report',
    {
      onRequest: requireRole('county-operator', 'township-operator', 'dashboard'),
      schema: {
        tags: ['exports'],
        summary: 'A report as CSV (UTF-8 with BOM) or XLSX, with Chinese headers',
        description:
          'report: progress (the region and each region one level down: 任务数, 已参保, 未缴费, 已缴费, 完成率（%）, ' +
          '未完成数 …, then 合计), special-groups (部门, 身份类别, 认定人数, 已参保, 已缴费, 缴费率（%）, 目标（%）, 是否达标), ' +
          'weekly (a township: 排名, 村（社区）, 任务数, 已缴费, 完成率（%）, 上周排名, 较上周（百分点）), assessment (a ' +
          'township scored on `on`, today by default: 完成率, 档次, 扣分, 依据), unpaid (身份证号, 姓名, 村（社区）, ' +
          '人员类别; masked for a dashboard key). `week` reads that week’s snapshot (progress, special groups, weekly). ' +
          'The same figures as GraphQL; a region outside the key is 403 OUT_OF_SCOPE.',
        params: ExportParamsSchema,
        querystring: ExportQuerySchema,
        response: { 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const download = await exportReport(
        opts.deps,
        principalOf(request),
        request.params.report,
        request.query,
        request.log,
      );
      return sendDownload(reply, download);
    },
  );
}
