import type { IdentityDb } from '../db.js';

export function createIdentityTypesRepository(db: IdentityDb) {
  return {
    async list(department?: string) {
      let q = db.selectFrom('identity.identity_types').selectAll().orderBy('department').orderBy('code');
      if (department) q = q.where('department', '=', department);
      return q.execute();
    },
  };
}
