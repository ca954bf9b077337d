// The table a county office would recognise: per township and 合计, with the figure the services
// answered and a mark where it differs from what the season sent (预期 in brackets).
import { IDENTITY_TYPES } from '@rmi/rules';
import type { Figure, TownshipRow } from './final.js';

const CHANNEL_NAMES: Record<string, string> = {
  wechat: '微信',
  alipay: '支付宝',
  'unionpay-quickpass': '云闪付',
  yukuaiban: '渝快办',
  etax: '电子税务局',
  'rural-bank-app': '农商行APP',
  'tax-window': '税务(导出)',
  'collection-client': '代征客户端',
  pos: 'POS机',
  'centralised-collection': '集中代收',
  cash: '现金',
  assistance: '救助代缴',
};
const CLASS_NAMES: Record<string, string> = {
  matched: '相符',
  unpaid: '未缴费',
  reversed: '已冲正',
  duplicate: '重复缴费',
};

const width = (s: string) => [...s].reduce((a, ch) => a + (/[\u2E80-\uFFEF]/.test(ch) ? 2 : 1), 0);
const pad = (s: string, n: number, right = true) => {
  const fill = ' '.repeat(Math.max(0, n - width(s)));
  return right ? fill + s : s + fill;
};
const yuan = (fen: number) =>
  (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const show = (f: Figure, fmt: (n: number) => string = String) =>
  f.got === f.expected ? fmt(f.expected) : `${f.got === undefined ? '—' : fmt(f.got)}✗(${fmt(f.expected)})`;

function grid(header: string[], body: string[][]): string {
  const cols = header.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]) => r.map((c, i) => pad(c, cols[i] as number, i > 0)).join('  ');
  return [line(header), cols.map((c) => '-'.repeat(c)).join('  '), ...body.map(line)].join('\n');
}

const sum = (fs: Figure[]): Figure => ({
  expected: fs.reduce((a, f) => a + f.expected, 0),
  got: fs.some((f) => f.got === undefined) ? undefined : fs.reduce((a, f) => a + (f.got ?? 0), 0),
});

export function renderTable(rows: TownshipRow[]): string {
  const total = (pick: (r: TownshipRow) => Figure) => sum(rows.map(pick));
  const names = [...rows.map((r) => r.name), '合计'];
  const rate = (paid: Figure, target: Figure) =>
    target.expected > 0 ? `${((100 * (paid.got ?? 0)) / target.expected).toFixed(2)}%` : '—';

  const main = grid(
    [
      '乡镇',
      '任务数',
      '已参保',
      '已缴费',
      '完成率',
      '死亡注销',
      '个人缴费(元)',
      '资助(元)',
      '现金在手(元)',
      '现金预警',
    ],
    [...rows, null].map((r, i) => {
      const f = (pick: (x: TownshipRow) => Figure) => (r ? pick(r) : total(pick));
      return [
        names[i] as string,
        show(f((x) => x.target)),
        show(f((x) => x.registered)),
        show(f((x) => x.paid)),
        rate(
          f((x) => x.paid),
          f((x) => x.target),
        ),
        show(f((x) => x.cancelled)),
        show(
          f((x) => x.personalFen),
          yuan,
        ),
        show(
          f((x) => x.assistanceFen),
          yuan,
        ),
        show(
          f((x) => x.cashHeldFen),
          yuan,
        ),
        show(f((x) => x.cashAlerts)),
      ];
    }),
  );

  const identities = [...new Set(rows.flatMap((r) => [...r.assistance.keys()]))].sort();
  const label = (code: string) => IDENTITY_TYPES.find((t) => t.code === code)?.labels[0] ?? code;
  const assistance = grid(
    ['资助身份', ...names.flatMap((n) => [`${n} 认定/已缴`, `${n} 资助人数`, `${n} 资助(元)`])],
    identities.map((code) => {
      const cell = (r: TownshipRow | null) => {
        const of = (x: TownshipRow) =>
          x.assistance.get(code) ?? {
            persons: { expected: 0, got: 0 },
            fen: { expected: 0, got: 0 },
            certified: { expected: 0, got: 0 },
            groupPaid: { expected: 0, got: 0 },
          };
        const pick = (k: 'persons' | 'fen' | 'certified' | 'groupPaid') =>
          r ? of(r)[k] : sum(rows.map((x) => of(x)[k]));
        return [
          `${show(pick('certified'))}/${show(pick('groupPaid'))}`,
          show(pick('persons')),
          show(pick('fen'), yuan),
        ];
      };
      return [label(code), ...[...rows, null].flatMap(cell)];
    }),
  );

  const channels = [...new Set(rows.flatMap((r) => [...r.channels.keys()]))].sort();
  const channelTable = grid(
    ['缴费渠道', ...names.flatMap((n) => [`${n} 笔数`, `${n} 金额(元)`, `${n} 冲正`])],
    channels.map((code) => {
      const zero = {
        payments: { expected: 0, got: 0 },
        fen: { expected: 0, got: 0 },
        reversals: { expected: 0, got: 0 },
      };
      const cell = (r: TownshipRow | null) => {
        const pick = (k: 'payments' | 'fen' | 'reversals') =>
          r ? (r.channels.get(code) ?? zero)[k] : sum(rows.map((x) => (x.channels.get(code) ?? zero)[k]));
        return [show(pick('payments')), show(pick('fen'), yuan), show(pick('reversals'))];
      };
      return [CHANNEL_NAMES[code] ?? code, ...[...rows, null].flatMap(cell)];
    }),
  );

  const classes = [...new Set(rows.flatMap((r) => [...r.classes.keys()]))];
  const classTable = grid(
    ['对账分类', ...names],
    classes.map((cls) => [
      CLASS_NAMES[cls] ?? cls,
      ...[...rows, null].map((r) =>
        show(
          r
            ? (r.classes.get(cls) ?? { expected: 0, got: 0 })
            : sum(rows.map((x) => x.classes.get(cls) ?? { expected: 0, got: 0 })),
        ),
      ),
    ]),
  );

  return [
    main,
    '',
    assistance,
    '',
    channelTable,
    '',
    classTable,
    '',
    '现金: cq-2025 未规定双限 (限额与天数), 各收费员在手现金照列, 不作判定; 双限见 cq-2024.',
    '✗ 标出与本次发送不符的数字, 括号内为预期.',
  ].join('\n');
}
