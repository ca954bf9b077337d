import { createHeaderMatcher } from '@rmi/ingest';

// The columns of a tax, channel or assistance-batch export, found by any of their aliases
// (contracts/payments.md "Importing exports"): the tax bureau's export (金税三期 城乡居民医保缴费明细),
// a channel's statement, the medical-assistance fund's payment-on-behalf list (代缴名单), or the
// API's English names. The header matcher of @rmi/ingest folds brackets, spaces and case, and
// drops a unit in brackets at the end (个人缴费金额(元), 实缴金额（元）).

export const PAYMENT_COLUMNS = {
  voucher: [
    '电子税票号码',
    '税票号码',
    '凭证号',
    '凭证号码',
    '订单号',
    '交易流水号',
    '流水号',
    '代缴凭证号',
    'voucherNumber',
  ],
  paidAt: ['缴费时间', '入库时间', '缴款日期', '缴费日期', '交易时间', '支付时间', '代缴日期', '拨付日期', 'paidAt'],
  periodStart: ['费款所属期起', '所属期起', 'periodStart'],
  periodEnd: ['费款所属期止', '所属期止', 'periodEnd'],
  idNumber: ['证件号码', '身份证号码', '身份证号', '公民身份号码', '缴费人证件号码', 'idNumber'],
  name: ['姓名', '缴费人姓名', '缴费人', 'name', 'payerName'],
  amount: ['个人缴费金额', '实缴金额', '缴费金额', '个人缴费', 'amount', 'amountYuan'],
  assistance: ['资助金额', '代缴金额', '代缴', 'assistance', 'assistanceYuan'],
  total: ['合计', '合计金额', 'total', 'totalYuan'],
  reversal: ['作废标志', '冲正标志', '是否冲正', '是否作废', '冲正', '作废', 'reversal'],
  originalVoucher: ['原税票号码', '原电子税票号码', '原凭证号', '原订单号', 'originalVoucherNumber'],
  taxOffice: ['税务机关代码', '主管税务机关代码', '征收税务机关代码', 'taxOfficeCode'],
  region: ['统筹地区', '参保地', '统筹区', '参保地区', '统筹地区代码', '参保地代码', 'regionCode', 'villageCode'],
  assistanceCategory: ['代缴类别', '资助类别', '代缴人员类别', 'assistanceCategory'],
  requestBatch: ['请款批次', '批次', '请款批次号', 'requestBatch'],
  channel: ['渠道', '缴费渠道', '缴款渠道', '支付渠道', 'channel'],
  tier: ['档次', '缴费档次', '参保档次', 'tier'],
} as const;

export type PaymentField = keyof typeof PAYMENT_COLUMNS;

export const PAYMENT_HEADER = createHeaderMatcher(PAYMENT_COLUMNS);

/** What a missing column is called in MISSING_COLUMNS, with the header texts that would do. */
export const COLUMN_NAMES: Readonly<Record<PaymentField, string>> = {
  voucher: '电子税票号码 (voucher)',
  paidAt: '缴费时间 (paid at)',
  periodStart: '费款所属期起',
  periodEnd: '费款所属期止',
  idNumber: '证件号码 (ID number)',
  name: '姓名',
  amount: '个人缴费金额 or 合计 (amount)',
  assistance: '代缴金额 (assistance)',
  total: '合计',
  reversal: '作废标志',
  originalVoucher: '原税票号码',
  taxOffice: '税务机关代码',
  region: '统筹地区',
  assistanceCategory: '代缴类别',
  requestBatch: '请款批次 (request batch)',
  channel: '渠道 (channel), or the `channel` parameter',
  tier: '档次',
};

export type ImportSource = 'tax' | 'channel' | 'assistance-batch';

/**
 * The columns an export of `source` must have: the ID number and when it was paid; a voucher
 * (an assistance list may name its request batch instead: its voucher is then derived); an
 * amount (an assistance list its 代缴金额); a channel export its channel, unless the request names it.
 */
export function missingColumns(
  columns: Partial<Record<PaymentField, number>>,
  source: ImportSource,
  channelGiven: boolean,
): PaymentField[] {
  const missing: PaymentField[] = [];
  const has = (f: PaymentField) => columns[f] !== undefined;
  if (!has('idNumber')) missing.push('idNumber');
  if (!has('paidAt')) missing.push('paidAt');
  if (source === 'assistance-batch') {
    if (!has('voucher') && !has('requestBatch')) missing.push('requestBatch');
    if (!has('assistance')) missing.push('assistance');
  } else {
    if (!has('voucher')) missing.push('voucher');
    if (!has('amount') && !has('total')) missing.push('amount');
    if (source === 'channel' && !channelGiven && !has('channel')) missing.push('channel');
  }
  return missing;
}
