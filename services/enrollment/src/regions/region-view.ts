import type { Region } from '@rmi/contracts';
import type { RegionRow } from './regions.repository.js';

export const toRegion = (row: RegionRow): Region => ({
  code: row.code,
  name: row.name,
  level: row.level,
  parentCode: row.parent_code,
});
