import type { Principal } from '@rmi/service-kit';
import type { ReportingDeps } from '../deps.js';
import type { createRegionViewRepository } from '../regions/regions.repository.js';

/** What every resolver and loader receives (mercurius adds its own fields beside these). */
export interface Context {
  principal: Principal;
  deps: ReportingDeps;
  regions: ReturnType<typeof createRegionViewRepository>;
}
