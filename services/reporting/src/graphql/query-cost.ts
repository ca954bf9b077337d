import { type DocumentNode, type GraphQLSchema, getOperationAST, getVariableValues } from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import mercurius, { type MercuriusContext, type preExecutionHookHandler } from 'mercurius';
import { pricedFields } from './field-costs.js';

export const QUERY_TOO_COSTLY = 'QUERY_TOO_COSTLY';

/**
 * Beyond this many selections the estimator gives up: fragments spreading fragments can make a
 * small document stand for millions of fields, and counting them would be the attack itself.
 */
const MAX_QUERY_NODES = 10_000;

const estimators = [pricedFields, simpleEstimator({ defaultComplexity: 1 })];

/** The cost of the operation that will run, with its variables (they decide @skip and @include). */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): number {
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    ...(operationName ? { operationName } : {}),
    estimators,
    maxQueryNodes: MAX_QUERY_NODES,
  });
}

/**
 * A mercurius preExecution hook refusing, before any resolver runs, an operation costing more than
 * `maxCost`. It is not a validation rule because the cost depends on the variables, which mercurius
 * does not hand to rules it caches; the price is one walk over the document per request.
 */
export function costLimitHook(maxCost: number): preExecutionHookHandler<MercuriusContext> {
  return async (schema, document, context, variables) => {
    assertVariables(schema, document, variables, operationNameOf(context));
    let cost: number;
    try {
      cost = queryCost(schema, document, variables, operationNameOf(context));
    } catch (err) {
      // mercurius has checked the variables by now, so this is a document the estimator will not
      // count to the end (fragments standing for too many fields): refused, never run unpriced.
      throw tooCostly(err instanceof Error ? err.message : String(err), maxCost);
    }
    if (cost > maxCost) throw tooCostly(`The query costs ${cost}, more than the limit of ${maxCost}.`, maxCost, cost);
  };
}

/**
 * Variables of the wrong type are VALIDATION_FAILED, here as well as in mercurius: the request
 * that has a document compiled (graphql-jit) skips mercurius' own check, and the estimator would
 * otherwise call them a query too costly.
 */
function assertVariables(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): void {
  const operation = getOperationAST(document, operationName);
  if (!operation) return;
  const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (errors?.length) {
    throw new mercurius.ErrorWithProps(errors.map((e) => e.message).join('\n'), { code: 'VALIDATION_FAILED' }, 400);
  }
}

function tooCostly(message: string, maxCost: number, cost?: number): Error {
  return new mercurius.ErrorWithProps(
    message,
    { code: QUERY_TOO_COSTLY, maxCost, ...(cost === undefined ? {} : { cost }) },
    400,
  );
}

/**
 * mercurius hands the hook no operation name. A document may hold several operations (GraphiQL
 * sends the whole editor) and only the named one runs, so it alone is priced.
 */
function operationNameOf(context: MercuriusContext): string | undefined {
  // No reply when the app calls app.graphql() itself; then nothing names an operation either.
  const request = context.reply?.request;
  const params = (request?.method === 'GET' ? request.query : request?.body) as { operationName?: unknown } | undefined;
  return typeof params?.operationName === 'string' && params.operationName ? params.operationName : undefined;
}
