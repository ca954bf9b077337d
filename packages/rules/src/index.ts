export * from './id-number.js';
export * from './identity-types.js';
