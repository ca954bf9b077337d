import type { Role } from '@rmi/contracts';
import type { Db } from '@rmi/db';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { createApiKeysRepository } from './api-keys.repository.js';
import { type BaseConfig, BaseConfigSchema, loadConfig } from './config.js';
import { createServer } from './kit.js';

export interface AppOptions<C extends BaseConfig = BaseConfig> {
  db: Db;
  config: C;
}

/** Test config: quiet logs and the defaults, overridable per test; a service passes its own schema. */
export function testConfig(overrides?: Record<string, string>): BaseConfig;
export function testConfig<S extends z.ZodObject>(overrides: Record<string, string>, schema: S): Readonly<z.infer<S>>;
export function testConfig(overrides: Record<string, string> = {}, schema: z.ZodObject = BaseConfigSchema) {
  return loadConfig(schema, { LOG_LEVEL: 'silent', ...overrides });
}

/** Builds a service exactly as server.ts does, minus the listener, for `inject` tests. */
export async function buildApp<C extends BaseConfig>(
  service: string,
  plugin: FastifyPluginAsync<AppOptions<C>>,
  options: AppOptions<C>,
): Promise<FastifyInstance> {
  const app = createServer(service, options.config);
  await app.register(plugin, options);
  await app.ready();
  return app;
}

/** Creates an API key straight in the database (tests only) and returns the bearer header. */
export async function createTestKey(
  db: Db,
  role: Role,
  scope: { regionCode?: string; department?: string } = {},
): Promise<{ id: string; key: string; headers: { authorization: string } }> {
  const row = await createApiKeysRepository(db).create({ name: `test ${role}`, role, ...scope });
  return { id: row.id, key: row.key, headers: { authorization: `Bearer ${row.key}` } };
}
