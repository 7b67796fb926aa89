/**
 * A small JSON Schema (2020-12) checker for the schemas in docs/schema/: the keywords they use
 * and nothing more (type, properties, required, additionalProperties, items, enum, const,
 * oneOf, anyOf, $ref to #/$defs, pattern, minimum, exclusiveMinimum). An unknown keyword is an
 * error, so a schema cannot silently use something this checker ignores. Imports nothing from src/.
 */

type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema', '$defs', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties',
  'items', 'enum', 'const', 'oneOf', 'anyOf', '$ref', 'pattern', 'minimum', 'exclusiveMinimum',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const isType = (v: unknown, t: string) => typeOf(v) === t || (t === 'number' && typeOf(v) === 'integer');

/** Every violation of `schema` by `value`, as `path: problem`; empty when it conforms. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} at ${path} is not supported by this checker`);
  if (typeof schema.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    const target = m && (root.$defs as Record<string, Schema> | undefined)?.[m[1]!];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return validate(value, target, root, path);
  }
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${path}: ${why}`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => isType(value, t))) return [`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`];
  }
  if ('const' in schema && JSON.stringify(value) !== JSON.stringify(schema.const)) fail(`expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) fail(`${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail(`${JSON.stringify(value)} does not match ${schema.pattern}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) fail(`${value} < ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === 'number' && typeof value === 'number' && value <= schema.exclusiveMinimum) fail(`${value} <= ${schema.exclusiveMinimum}`);
  if (schema.oneOf) {
    const passing = (schema.oneOf as Schema[]).filter((s) => validate(value, s, root, path).length === 0).length;
    if (passing !== 1) fail(`matches ${passing} of the oneOf alternatives, not exactly 1`);
  }
  if (schema.anyOf && !(schema.anyOf as Schema[]).some((s) => validate(value, s, root, path).length === 0)) fail('matches none of the anyOf alternatives');
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(v, schema.items as Schema, root, `${path}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) fail(`missing required ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(v, props[k], root, `${path}.${k}`));
      else if (schema.additionalProperties === false) fail(`unexpected property ${k}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(v, schema.additionalProperties as Schema, root, `${path}.${k}`));
    }
  }
  return errors;
}
