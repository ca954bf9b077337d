import type { EnrollmentDb } from '../db.js';

export function createAuditLogRepository(db: EnrollmentDb) {
  return {
    /** Newest first, a page of `limit` below `before`; `regionPrefix` keeps rows of that region and below. */
    async list(q: {
      entity?: string | undefined;
      action?: string | undefined;
      before?: number | undefined;
      limit: number;
      regionPrefix?: string | undefined;
    }) {
      let query = db.selectFrom('core.audit_log').selectAll().orderBy('id', 'desc').limit(q.limit);
      if (q.entity) query = query.where('entity', '=', q.entity);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.before) query = query.where('id', '<', q.before);
      if (q.regionPrefix) query = query.where('region_code', 'like', `${q.regionPrefix}%`);
      return query.execute();
    },
  };
}
