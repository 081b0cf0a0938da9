import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { FieldProblem } from '../errors';
import { isRfc3339 } from '../time';

/**
 * Validation: bodies are validated exactly as sent (no type coercion, unknown fields
 * refused, not silently dropped); query strings and path parameters are text on the wire,
 * so they are coerced. Both validators know every shared schema.
 */
function newAjv(coerceTypes: boolean, shared: readonly object[]): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerceTypes ? 'array' : false, removeAdditional: false, useDefaults: true, strict: false });
  addFormats(ajv, ['email', 'uri', 'date', 'uuid', 'ipv4', 'ipv6']);
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339 });
  for (const schema of shared) ajv.addSchema(schema);
  return ajv;
}

export function installValidators(app: FastifyInstance, sharedSchemas: readonly object[]): void {
  const bodyAjv = newAjv(false, sharedSchemas);
  const textAjv = newAjv(true, sharedSchemas);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as FastifySchema));
}

/**
 * Body validators for shared schemas (by $id), outside any route, from one Ajv: the
 * portal-compatible adapters' canonical commands are validated by exactly the schemas the
 * canonical routes use.
 */
export function sharedSchemaValidators<K extends string>(sharedSchemas: readonly object[], schemaIds: Readonly<Record<K, string>>): Record<K, (value: unknown) => FieldProblem[]> {
  const ajv = newAjv(false, sharedSchemas);
  const entries = (Object.entries(schemaIds) as [K, string][]).map(([key, id]) => {
    const validate = ajv.getSchema(id);
    if (!validate) throw new Error(`no shared schema ${id}`);
    return [key, (value: unknown) => (validate(value) ? [] : fieldProblems(validate.errors ?? [], 'body'))] as const;
  });
  return Object.fromEntries(entries) as Record<K, (value: unknown) => FieldProblem[]>;
}

const PART: Record<string, FieldProblem['in']> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Ajv errors → `{path, message}` with the path naming the field itself (an unknown or missing field included). */
export function fieldProblems(errors: readonly ErrorObject[], context: string | undefined): FieldProblem[] {
  const where = PART[context ?? 'body'] ?? 'body';
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue; // its "then" branch error says what is wrong
    let path = e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      path = `${path}/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not a known field';
    } else if (e.keyword === 'required') {
      path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'format' && (e.params as { format: string }).format === 'date-time') {
      message = 'must be an RFC 3339 date-time with an offset, e.g. 2026-11-24T09:30:00+07:00';
    }
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message, in: where });
  }
  return problems;
}
