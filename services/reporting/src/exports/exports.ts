import type { FieldError } from '@rmi/contracts';
import { type Download, type DownloadLog, tableDownload, type XlsxColumn } from '@rmi/ingest';
import { weekBounds } from '@rmi/rules';
import { type Principal, ValidationError } from '@rmi/service-kit';
import { assessmentOf } from '../assessment/assessment.js';
import type { ReportingDeps } from '../deps.js';
import { progressOf } from '../progress/progress.js';
import { specialGroupsOf } from '../progress/special-groups.js';
import { MAX_PAGE, unpaidPage } from '../unpaid/unpaid-list.js';
import { regionFor, TOWNSHIP_CODE } from '../weekly/report-checks.js';
import { weeklyReport } from '../weekly/weekly-report.js';
import type { ExportQuery, ExportReport } from './export-shapes.js';
import { categoryLabel, departmentLabel, identityLabel, LEVEL_LABELS } from './labels.js';

// The reports as a township files them: the same use cases as GraphQL, written as CSV (UTF-8 with
// BOM, so Excel opens it) or XLSX with Chinese headers. Codes are text columns: a 12-digit village
// code or an ID number read as a number would lose its digits. Rates are percents to two places.
//
// Columns:
//   progress        {level}代码, {level}, 任务数, 已参保, 未缴费, 已缴费, 完成率（%）, 未完成数, 已注销,
//                   已转职工医保 — one row per region one level down, then 合计
//   special-groups  部门, 身份类别, 身份代码, 认定人数, 已参保, 已缴费, 缴费率（%）, 目标（%）, 是否达标
//   weekly          排名, 村（社区）代码, 村（社区）, 任务数, 已缴费, 完成率（%）, 上周排名, 较上周（百分点）
//   assessment      村（社区）代码, 村（社区）, 任务数, 已缴费, 完成率（%）, 完成比例（取整%）, 完成日期,
//                   档次, 扣分, 依据
//   unpaid          身份证号, 姓名, 村（社区）代码, 村（社区）, 人员类别 (masked for a dashboard key)

const text = (header: string, width?: number): XlsxColumn => ({ header, type: 'text', ...(width ? { width } : {}) });
const number = (header: string): XlsxColumn => ({ header, type: 'number' });

const VILLAGE = [text('村（社区）代码', 16), text('村（社区）', 22)];

/** A rate (0..1 and beyond) as a percent to two places. */
const percent = (rate: number): number => Math.round(rate * 10_000) / 100;

interface Table {
  fileName: string;
  sheetName: string;
  columns: readonly XlsxColumn[];
  rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>;
}

/**
 * A report as a file. Every check (scope, region, year, week) runs before the first byte is
 * written, so a refusal is an ordinary problem+json answer; the unpaid list's later pages are read
 * as the file is written. Bad arguments are VALIDATION_FAILED naming the query's fields.
 */
export async function exportReport(
  deps: ReportingDeps,
  principal: Principal,
  report: ExportReport,
  query: ExportQuery,
  log: DownloadLog,
): Promise<Download> {
  refuseUnused(report, query);
  const table = await asQueryErrors(() => TABLES[report](deps, principal, query));
  return tableDownload(query.format, table, table.rows, log);
}

type TableOf = (deps: ReportingDeps, principal: Principal, query: ExportQuery) => Promise<Table>;

const TABLES: Readonly<Record<ExportReport, TableOf>> = {
  async progress(deps, principal, query) {
    const node = await progressOf(deps, principal, {
      regionCode: query.regionCode,
      year: query.year,
      asOf: mondayOf(query.week),
    });
    const level = LEVEL_LABELS[node.children[0]?.region.level ?? node.region.level] ?? '地区';
    const row = (code: string, name: string, f: typeof node) => [
      code,
      name,
      f.target,
      f.registered,
      f.unpaid,
      f.paid,
      percent(f.rate),
      f.gap,
      f.cancelled,
      f.transferred,
    ];
    return {
      fileName: `${node.region.name}-${query.year}${query.week ? `-${query.week}` : ''}-参保进度`,
      sheetName: '参保进度',
      columns: [
        text(`${level}代码`, 16),
        text(level, 22),
        number('任务数'),
        number('已参保'),
        number('未缴费'),
        number('已缴费'),
        number('完成率（%）'),
        number('未完成数'),
        number('已注销'),
        number('已转职工医保'),
      ],
      rows: [
        ...node.children.map((c) => row(c.region.code, c.region.name, c)),
        row(node.region.code, `合计（${node.region.name}）`, node),
      ],
    };
  },

  async 'special-groups'(deps, principal, query) {
    const groups = await specialGroupsOf(deps, principal, {
      regionCode: query.regionCode,
      year: query.year,
      asOf: mondayOf(query.week),
    });
    const region = await regionFor(deps, principal, query.regionCode);
    return {
      fileName: `${region.name}-${query.year}${query.week ? `-${query.week}` : ''}-特殊群体`,
      sheetName: '特殊群体',
      columns: [
        text('部门', 16),
        text('身份类别', 24),
        text('身份代码', 24),
        number('认定人数'),
        number('已参保'),
        number('已缴费'),
        number('缴费率（%）'),
        number('目标（%）'),
        text('是否达标'),
      ],
      rows: groups.map((g) => [
        departmentLabel(g.department),
        identityLabel(g.identity),
        g.identity,
        g.certified,
        g.enrolled,
        g.paid,
        percent(g.rate),
        g.goal === null ? null : percent(g.goal),
        g.met === null ? '' : g.met ? '是' : '否',
      ]),
    };
  },

  async weekly(deps, principal, query) {
    const report = await weeklyReport(deps, principal, {
      townshipCode: query.regionCode,
      year: query.year,
      week: query.week ?? null,
    });
    return {
      fileName: `${report.township.name}-${report.week}-周报`,
      sheetName: '周报排名',
      columns: [
        number('排名'),
        ...VILLAGE,
        number('任务数'),
        number('已缴费'),
        number('完成率（%）'),
        number('上周排名'),
        number('较上周（百分点）'),
      ],
      rows: report.villages.map((v) => [
        v.rank,
        v.region.code,
        v.region.name,
        v.target,
        v.paid,
        percent(v.rate),
        v.previousRank,
        v.rateChange === null ? null : percent(v.rateChange),
      ]),
    };
  },

  async assessment(deps, principal, query) {
    const on = query.on ?? deps.today();
    const villages = await assessmentOf(deps, principal, { townshipCode: query.regionCode, year: query.year, on });
    const township = await regionFor(deps, principal, query.regionCode);
    return {
      fileName: `${township.name}-${query.year}-考核-${on}`,
      sheetName: '考核',
      columns: [
        ...VILLAGE,
        number('任务数'),
        number('已缴费'),
        number('完成率（%）'),
        number('完成比例（取整%）'),
        text('完成日期', 12),
        text('档次', 14),
        number('扣分'),
        text('依据', 30),
      ],
      rows: villages.map((v) => [
        v.region.code,
        v.region.name,
        v.target,
        v.paid,
        percent(v.rate),
        v.completionPercent,
        v.completedOn,
        v.band === 'done-in-time' ? '按时完成' : v.band,
        v.deduction,
        v.source,
      ]),
    };
  },

  async unpaid(deps, principal, query) {
    const args = { regionCode: query.regionCode, year: query.year, first: MAX_PAGE };
    // The first page is read now: its checks answer before the file starts.
    const first = await unpaidPage(deps, principal, args);
    const region = await regionFor(deps, principal, query.regionCode);
    async function* rows() {
      let page = first;
      for (;;) {
        for (const p of page.nodes) {
          yield [p.idNumber, p.name, p.villageCode, p.villageName, categoryLabel(p.category)];
        }
        if (!page.hasNextPage || page.endCursor === null) return;
        page = await unpaidPage(deps, principal, { ...args, after: page.endCursor });
      }
    }
    return {
      fileName: `${region.name}-${query.year}-未缴费名单`,
      sheetName: '未缴费名单',
      columns: [text('身份证号', 20), text('姓名', 10), ...VILLAGE, text('人员类别', 14)],
      rows: rows(),
    };
  },
};

/** The Monday of a week asked for (a day of it picks its snapshot); a week of no calendar is left to fail. */
function mondayOf(week: string | undefined): string | null {
  if (week === undefined) return null;
  return weekBounds(week)?.monday ?? week;
}

/** Arguments a report does not read are refused, not ignored: a week on the unpaid list is no old list. */
function refuseUnused(report: ExportReport, query: ExportQuery): void {
  const errors: FieldError[] = [];
  const township = report === 'weekly' || report === 'assessment';
  if (township && !TOWNSHIP_CODE.test(query.regionCode)) {
    errors.push({ path: 'querystring.regionCode', message: `The ${report} report is of a township (9 digits).` });
  }
  if (query.week !== undefined && (report === 'assessment' || report === 'unpaid')) {
    errors.push({ path: 'querystring.week', message: `The ${report} report has no week.` });
  }
  if (query.week !== undefined && weekBounds(query.week) === undefined) {
    errors.push({ path: 'querystring.week', message: `${query.week} is not an ISO week.` });
  }
  if (query.on !== undefined && report !== 'assessment') {
    errors.push({ path: 'querystring.on', message: 'Only the assessment is scored on a day.' });
  }
  if (errors.length > 0) throw new ValidationError(errors);
}

/** The use cases name their arguments as GraphQL does; here they are fields of the query. */
const QUERY_FIELD: Readonly<Record<string, string>> = {
  townshipCode: 'regionCode',
  asOf: 'week',
};

async function asQueryErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(
      err.errors.map((e) => ({ ...e, path: `querystring.${QUERY_FIELD[e.path] ?? e.path}` })),
      err.message,
    );
  }
}
