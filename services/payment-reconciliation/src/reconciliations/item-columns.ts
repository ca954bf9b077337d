import type { XlsxColumn } from '@rmi/ingest';
import type { ReconciliationClass } from '@rmi/rules';
import type { ItemRow } from './reconciliations.repository.js';

/** The classes as a county's staff word them. */
export const CLASS_LABELS: Readonly<Record<ReconciliationClass, string>> = {
  matched: '已缴费核对一致',
  unpaid: '已登记未缴费',
  'paid-not-enrolled': '缴费未参保',
  underpaid: '少缴',
  overpaid: '多缴',
  duplicate: '重复缴费',
  reversed: '已冲正',
  'assistance-owed': '应事后资助',
  'assistance-mismatch': '资助金额不符',
  'paid-after-death': '死亡后缴费',
};

/** The items as a spreadsheet: Chinese headers; ID numbers and codes as text, amounts in yuan. */
export const ITEM_COLUMNS: readonly XlsxColumn[] = [
  { header: '身份证号码', type: 'text', width: 22 },
  { header: '姓名' },
  { header: '村代码', type: 'text', width: 15 },
  { header: '核对结果', width: 16 },
  { header: '类别代码', type: 'text', width: 20 },
  { header: '应缴金额(元)', type: 'number', width: 14 },
  { header: '实缴金额(元)', type: 'number', width: 14 },
  { header: '应退资助金额(元)', type: 'number', width: 16 },
  { header: '缴费记录', type: 'text', width: 40 },
];

const yuan = (fen: number | null) => (fen === null ? null : fen / 100);

/** One item as a spreadsheet row, in ITEM_COLUMNS order. */
export function itemCells(r: ItemRow): unknown[] {
  return [
    r.id_number,
    r.name,
    r.village_code,
    CLASS_LABELS[r.class],
    r.class,
    yuan(r.expected_fen),
    yuan(r.paid_fen),
    yuan(r.owed_fen),
    r.payment_ids.join(' '),
  ];
}
