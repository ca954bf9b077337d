import type { FastifyInstance } from 'fastify';
import type { IdentityRoutesOptions } from '../routes-options.js';

export default async function routes(_app: FastifyInstance, _opts: IdentityRoutesOptions): Promise<void> {}
