export * from './api-keys.js';
export * from './health.js';
export * from './persons.js';
export * from './problem.js';
export * from './quotes.js';
export * from './reference.js';
export * from './regions.js';
