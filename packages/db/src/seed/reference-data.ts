import { IDENTITY_TYPES } from '@rmi/rules';
import { sql } from 'kysely';
import type { Db } from '../create-db.js';

/** Payment channels named in 000#四 (参保及缴费方式), 000 annex 3, 002#三(二) and 004#4. */
export const PAYMENT_CHANNELS = [
  { code: 'wechat', name: '微信', kind: 'online', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'alipay', name: '支付宝', kind: 'online', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'unionpay-quickpass', name: '云闪付', kind: 'online', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'yukuaiban', name: '渝快办', kind: 'online', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'etax', name: '电子税务局', kind: 'online', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'rural-bank-app', name: '农商行APP', kind: 'online', source: '002_760418c3a3365474.txt#三(二)' },
  { code: 'tax-window', name: '税务窗口', kind: 'offline', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'collection-client', name: '代征客户端', kind: 'offline', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'pos', name: '专用POS机', kind: 'offline', source: '000_9c4e2275e911b0e9.txt#四' },
  { code: 'centralised-collection', name: '集中代收', kind: 'offline', source: '004_03b4a5a3926dacf5.txt#4' },
  { code: 'cash', name: '现金', kind: 'cash', source: '000_9c4e2275e911b0e9.txt#附件3' },
  // Payment on behalf (代缴): the personal part of assisted people paid from medical-assistance funds.
  { code: 'assistance', name: '医疗救助资金代缴', kind: 'offline', source: '000_9c4e2275e911b0e9.txt#六' },
] as const;

/** Upserts the code tables every service shares; safe to run at every start. */
export async function seedReferenceData(db: Db): Promise<void> {
  await db
    .insertInto('identity.identity_types')
    .values(
      IDENTITY_TYPES.map((t) => ({
        code: t.code,
        labels: [...t.labels],
        department: t.department,
        cq_assistance_code: t.cqAssistanceCode ?? null,
      })),
    )
    .onConflict((oc) =>
      oc.column('code').doUpdateSet({
        labels: sql`excluded.labels`,
        department: sql`excluded.department`,
        cq_assistance_code: sql`excluded.cq_assistance_code`,
      }),
    )
    .execute();
  await db
    .insertInto('payment.channels')
    .values(PAYMENT_CHANNELS.map((c) => ({ ...c })))
    .onConflict((oc) =>
      oc
        .column('code')
        .doUpdateSet({ name: sql`excluded.name`, kind: sql`excluded.kind`, source: sql`excluded.source` }),
    )
    .execute();
}
