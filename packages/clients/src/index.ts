export * from './common.js';
export * from './enrollment.js';
export * from './errors.js';
export * from './http-client.js';
export * from './payment.js';
export * from './reporting.js';
export * from './subsidy-identity.js';
