import type { FastifyInstance } from 'fastify';
import type { ReportingDeps } from '../../deps.js';

export default async function countersRoutes(_app: FastifyInstance, _opts: { deps: ReportingDeps }): Promise<void> {}
