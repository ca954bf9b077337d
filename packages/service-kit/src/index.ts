export * from './actor.js';
export * from './api-keys.repository.js';
export * from './audit.js';
export { assertRegionInScope, principalOf, regionInScope, requireOnlyRoles, requireRole } from './auth.js';
export * from './change.js';
export * from './clock.js';
export * from './config.js';
export * from './errors.js';
export { fastResponseSerializer, useJsonSchemaCompilers } from './json-schema-compilers.js';
export { createServer, default as serviceKit, type ServiceKitOptions, serverOptions, VERSION } from './kit.js';
export * from './policy-catalog.js';
export { clientErrorCode, PROBLEM_CONTENT_TYPE, replyWithProblem, sendProblem } from './problem-handler.js';
export { sendDownload } from './send-download.js';
export * from './server.js';
// The route option `config.upload` (a module augmentation of fastify) travels with this type.
export type { UploadConfig } from './swagger.js';
export * from './testing.js';
