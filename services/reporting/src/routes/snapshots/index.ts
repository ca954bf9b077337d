import type { FastifyInstance } from 'fastify';
import type { ReportingDeps } from '../../deps.js';

export default async function snapshotsRoutes(_app: FastifyInstance, _opts: { deps: ReportingDeps }): Promise<void> {}
