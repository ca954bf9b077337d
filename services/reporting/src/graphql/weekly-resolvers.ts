// The weekly report and its ranking, the weekly trend and the assessment, from the snapshots.

export const weeklyResolvers = { Query: {} };

export const weeklyLoaders = {};
