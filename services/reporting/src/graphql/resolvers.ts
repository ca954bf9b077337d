import { regionLoaders, regionResolvers } from './region-resolvers.js';
import { reportResolvers } from './report-resolvers.js';
import { weeklyLoaders, weeklyResolvers } from './weekly-resolvers.js';

type Map = Record<string, Record<string, unknown>>;

/** One resolver map from the parts, type by type (each part owns its own fields). */
function merge(...parts: Map[]): Map {
  const out: Map = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part)) out[type] = { ...out[type], ...fields };
  }
  return out;
}

export const resolvers = merge(regionResolvers, reportResolvers, weeklyResolvers);
export const loaders = merge(regionLoaders, weeklyLoaders);
