import {
  type DocumentNode,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  type OperationDefinitionNode,
} from 'graphql';
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

/** Verdicts kept; past this the least recently used is forgotten. */
const VERDICTS_KEPT = 1_000;
/** Variables longer than this as JSON are priced every time rather than kept. */
const MAX_KEY_CHARS = 4_096;

/** What pricing an operation decided: its cost, or the refusal to send again. */
type Verdict = { cost: number } | { refusal: () => Error };

/**
 * A mercurius preExecution hook refusing, before any resolver runs, an operation costing more than
 * `maxCost`. It is not a validation rule because the cost depends on the variables, which mercurius
 * does not hand to rules it caches. The verdict depends on nothing but the schema, the document
 * (mercurius hands the same parsed document for the same query text), the operation and the
 * variables, so it is kept per (document, operation, variables) in a small LRU: a dashboard sending
 * the same query again pays a map look-up instead of a walk over the document.
 */
export function costLimitHook(maxCost: number): preExecutionHookHandler<MercuriusContext> {
  const verdicts = new Map<string, Verdict>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextId = 0;
  let pricedFor: GraphQLSchema | undefined;

  return async (schema, document, context, variables) => {
    const operationName = operationNameOf(context);
    if (schema !== pricedFor) {
      verdicts.clear();
      pricedFor = schema;
    }
    let id = documentIds.get(document);
    if (id === undefined) {
      id = nextId++;
      documentIds.set(document, id);
    }
    const key = verdictKey(id, operationName, variables);
    let verdict = key === undefined ? undefined : verdicts.get(key);
    if (verdict === undefined) {
      verdict = priced(schema, document, variables, operationName, maxCost);
      if (key !== undefined) {
        if (verdicts.size >= VERDICTS_KEPT) verdicts.delete(verdicts.keys().next().value as string);
        verdicts.set(key, verdict);
      }
    } else if (key !== undefined) {
      // Most recently used goes last, so the first key is always the one to forget.
      verdicts.delete(key);
      verdicts.set(key, verdict);
    }
    if ('refusal' in verdict) throw verdict.refusal();
  };
}

/** The cache key, or undefined for variables that are too long (or not JSON) to be kept. */
function verdictKey(
  documentId: number,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
): string | undefined {
  let json: string;
  try {
    json = variables === undefined ? '' : JSON.stringify(variables);
  } catch {
    return undefined;
  }
  if (json.length > MAX_KEY_CHARS) return undefined;
  return `${documentId}\n${operationName ?? ''}\n${json}`;
}

function priced(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
  maxCost: number,
): Verdict {
  const operation = getOperationAST(document, operationName);
  // Several operations and no name, or a name the document lacks: there is nothing to price or run.
  if (!operation) {
    const message = operationName
      ? `The document defines no operation named "${operationName}".`
      : 'The document holds several operations: name the one to run in operationName.';
    return { refusal: () => invalidVariables(message) };
  }
  const invalid = variableErrors(schema, operation, variables);
  if (invalid !== undefined) return { refusal: () => invalidVariables(invalid) };
  let cost: number;
  try {
    cost = queryCost(schema, document, variables, operationName);
  } catch (err) {
    // mercurius has checked the variables by now, so this is a document the estimator will not
    // count to the end (fragments standing for too many fields): refused, never run unpriced.
    const message = err instanceof Error ? err.message : String(err);
    return { refusal: () => tooCostly(message, maxCost) };
  }
  if (cost > maxCost) {
    return { refusal: () => tooCostly(`The query costs ${cost}, more than the limit of ${maxCost}.`, maxCost, cost) };
  }
  return { cost };
}

/**
 * Variables of the wrong type are VALIDATION_FAILED, here as well as in mercurius: the request
 * that has a document compiled (graphql-jit) skips mercurius' own check, and the estimator would
 * otherwise call them a query too costly. Returns the message, or undefined when they are fine.
 */
function variableErrors(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): string | undefined {
  const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  return errors?.length ? errors.map((e) => e.message).join('\n') : undefined;
}

function invalidVariables(message: string): Error {
  return new mercurius.ErrorWithProps(message, { code: 'VALIDATION_FAILED' }, 400);
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
