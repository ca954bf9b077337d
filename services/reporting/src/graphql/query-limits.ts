import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { GraphqlLimits } from '../config.js';

export const QUERY_TOO_DEEP = 'QUERY_TOO_DEEP';
export const TOO_MANY_ALIASES = 'TOO_MANY_ALIASES';

/**
 * Validation rules for mercurius' `validationRules`: they run before execution, and mercurius
 * keeps a refused document in its error cache, so sending it again costs a map look-up. Each
 * refusal is one GraphQL error with a stable `extensions.code`, answered with status 400.
 */
export function queryLimitRules(limits: GraphqlLimits): ValidationRule[] {
  // Reported through the context, not thrown: graphql's validate() lets a thrown error escape, and
  // mercurius would then answer 200 without a code.
  const reject = (code: string) => ({
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, err: GraphQLError) => {
        // graphql-armor calls every refusal a syntax error; the document parsed, it is too big.
        context?.reportError(new GraphQLError(err.message.replace(/^Syntax Error: /, ''), { extensions: { code } }));
      },
    ],
  });
  return [
    // `__schema` is left out: the introspection query tools send is 15 deep (nine levels of
    // `ofType`), and the nesting that multiplies an introspection answer (`fields { type { fields`)
    // is already refused by graphql's own MaxIntrospectionDepthRule, which every query meets.
    maxDepthRule({
      n: limits.GRAPHQL_MAX_DEPTH,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...reject(QUERY_TOO_DEEP),
    }),
    maxAliasesRule({ n: limits.GRAPHQL_MAX_ALIASES, ...reject(TOO_MANY_ALIASES) }),
  ];
}
