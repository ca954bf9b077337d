export * from './create-db.js';
export type * from './database.js';
export * from './embedded.js';
export * from './migrate.js';
export * from './testing.js';
export * from './prepare.js';
export * from './seed/reference-data.js';
export * from './seed/regions.js';
