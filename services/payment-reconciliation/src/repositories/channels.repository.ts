import type { Db } from '@rmi/db';

export function createChannelsRepository(db: Db) {
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
