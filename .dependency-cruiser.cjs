// The import boundaries of the monorepo, checked by `pnpm boundaries` (and so by .ci/run), not by
// review. Each rule says which layer it protects; a violation names the file and the import.
//
// Edge and domain inside a service (services/<name>/src):
//   edge   = app.ts, server.ts, routes/, graphql/ (reporting's GraphQL schema and resolvers are its
//            routes), plugins/ (fastify plugins of the service's own): the fastify wiring
//   domain = everything else: use cases in <feature>/, repositories, the service's db.ts, config.
// Domain code takes an Actor and plain values and never reaches back into the edge, so the same use
// case serves a route, an import, a worker and a test.

const EDGE = '^services/[^/]+/src/(app\\.ts$|server\\.ts$|routes/|graphql/|plugins/)';
// A module of node_modules, resolved (node_modules/.pnpm/x@1/node_modules/x/…) or not ("x").
const npm = (names) => `(^|/node_modules/)(${names.join('|')})(/|$)`;
const FASTIFY = npm(['fastify', 'fastify-plugin', 'fastify-type-provider-zod', 'mercurius', '@fastify/[^/]+']);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'rules-is-pure',
      comment:
        'packages/rules is pure: policy data and functions over it, no I/O (no node: modules, pg, kysely, ' +
        'fastify, undici …), no other workspace package. zod is its one dependency.',
      severity: 'error',
      from: { path: '^packages/rules/src/' },
      to: { pathNot: ['^packages/rules/', npm(['zod'])] },
    },
    {
      name: 'service-not-to-other-service',
      comment:
        'A service never imports another service (by path or as @rmi/<service>): services talk over ' +
        'HTTP (packages/clients), events and published views. Tests wiring two services live in test/.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'package-not-to-service',
      comment:
        'Shared packages sit below the services and import none of them. Their tests may start the ' +
        'services they serve (packages/clients/test checks each client against its real server).',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^services/' },
    },
    {
      name: 'domain-not-to-edge',
      comment:
        'Domain code (services/*/src outside app.ts, server.ts, routes/, graphql/, plugins/) never imports ' +
        'the edge: a use case called from a route must not depend on it.',
      severity: 'error',
      from: { path: '^services/([^/]+)/src/', pathNot: EDGE },
      to: { path: '^services/$1/src/(app\\.ts$|server\\.ts$|routes/|graphql/|plugins/)' },
    },
    {
      name: 'domain-not-to-fastify',
      comment:
        'Domain code never imports fastify, its plugins or mercurius, not even for a type: it takes an ' +
        'Actor (key id, role, scope, request id) and a logger-free result, and the edge maps errors.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/', pathNot: EDGE },
      to: { path: FASTIFY },
    },
    {
      name: 'resolvable',
      comment: 'Every import of our code resolves, so no rule above is dodged by an import the cruiser cannot follow.',
      severity: 'error',
      from: { path: '^(packages|services)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Our compiled output and browser files only: a looser pattern (any `dist/`) would also hide
    // every npm package whose entry point sits in its own dist/ (kysely, for one).
    exclude: { path: '^(packages|services)/[^/]+/(dist|public)/' },
    // Type-only imports count: `import type { FastifyRequest }` couples a use case to fastify too.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // Workspace packages export their sources under `rmi-source`, as tsx and tsc resolve them.
      conditionNames: ['rmi-source', 'import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
