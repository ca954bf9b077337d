export * from './api-keys.repository.js';
export * from './audit.js';
export { assertRegionInScope, principalOf, regionInScope, requireRole } from './auth.js';
export * from './config.js';
export * from './errors.js';
export { createServer, default as serviceKit, type ServiceKitOptions, serverOptions, VERSION } from './kit.js';
export { PROBLEM_CONTENT_TYPE, sendProblem } from './problem-handler.js';
export * from './server.js';
export * from './testing.js';
