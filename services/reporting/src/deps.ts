import type { PolicyCatalog } from '@rmi/service-kit';
import type { ReportingDb } from './db.js';

/**
 * What reporting's use cases work with: the database seen through what reporting may touch, the
 * policies in force (goals, assessment bands, cash limits), and today's civil date (a clock tests
 * can set).
 */
export interface ReportingDeps {
  db: ReportingDb;
  catalog: PolicyCatalog;
  /** Today in Asia/Shanghai, YYYY-MM-DD. */
  today: () => string;
}
