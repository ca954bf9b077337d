import type { PaymentDb } from '../db.js';

export function createChannelsRepository(db: PaymentDb) {
  return {
    async list() {
      return db
        .selectFrom('payment.channels')
        .select(['code', 'name', 'kind', 'source'])
        .orderBy('kind')
        .orderBy('code')
        .execute();
    },
  };
}
