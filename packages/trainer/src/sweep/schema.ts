/**
 * The sweep config (`course sweep --config sweep.json`) as a JSON Schema
 * (draft 2020-12), and a checker for the keywords it uses.
 *
 * The schema is meant for ajv, as the grader's specs are; ajv is a dependency
 * of @course/grader only, and the trainer must not depend on the grader (the
 * grader depends on the trainer), so until ajv is added to the trainer the
 * schema is checked by `schemaErrors` below, which implements exactly the
 * keywords SWEEP_CONFIG_SCHEMA uses: type, enum, const, minimum,
 * exclusiveMinimum, exclusiveMaximum, required, properties,
 * additionalProperties, items, minItems, maxItems, minProperties,
 * maxProperties, allOf and if/then. Each error names the field by its JSON
 * pointer: `/space/lr/log_uniform/0: found -1, expected > 0`.
 */

export const SWEEP_STRATEGIES = [
  'grid',
  'random',
  'greedy-doubling',
  'successive-halving',
  'hyperband',
] as const;
export type SweepStrategy = (typeof SWEEP_STRATEGIES)[number];

/** JSON Schema's `if strategy is … then require …`. */
function requiredFor(strategy: SweepStrategy, required: readonly string[]) {
  // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword.
  return { if: { properties: { strategy: { const: strategy } } }, then: { required } };
}

const positiveInt = { type: 'integer', minimum: 1 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;

export const SWEEP_CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'course sweep config',
  type: 'object',
  additionalProperties: false,
  required: ['strategy'],
  properties: {
    $schema: { type: 'string' },
    description: { type: 'string' },
    strategy: { enum: SWEEP_STRATEGIES, description: `one of ${SWEEP_STRATEGIES.join(', ')}` },
    base: {
      description: 'train_gpt2cu flags every trial shares, e.g. {"-e": "d4", "-b": 4, "-u": 0}',
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
    },
    space: {
      description:
        'searched values per train_gpt2cu flag or name (lr, depth, channels, heads, steps, …): ' +
        '{"values": [...]} or {"log_uniform": [low, high]}',
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
        additionalProperties: false,
        properties: {
          values: { type: 'array', minItems: 1, items: { type: 'number' } },
          log_uniform: {
            type: 'array',
            minItems: 2,
            maxItems: 2,
            items: { type: 'number', exclusiveMinimum: 0 },
          },
        },
      },
    },
    steps: { ...positiveInt, description: 'steps per trial (grid, random, greedy-doubling)' },
    samples: { ...positiveInt, description: 'trials drawn (random)' },
    seed: { type: 'integer', minimum: 0, description: 'seed of random draws (default 0)' },
    max_r: { ...positiveInt, description: 'R: steps of the longest rung (successive-halving, hyperband)' },
    eta: { type: 'integer', minimum: 2, description: 'η: keep 1/η of the trials per rung (default 3)' },
    n: { ...positiveInt, description: 'trials at rung 0 (successive-halving; default η^s)' },
    s: { type: 'integer', minimum: 0, description: 'halvings (successive-halving; default ⌊log_η R⌋)' },
    start_lr: { type: 'number', exclusiveMinimum: 0, description: 'first LR (greedy-doubling)' },
    max_doublings: { type: 'integer', minimum: 0, description: 'doublings at most (greedy-doubling)' },
    fractions: {
      description: 'fractions of the divergent LR tried after it (greedy-doubling)',
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    },
    usd_per_step: nonNegative,
    ms_per_step: nonNegative,
    ms_per_stage: {
      ...nonNegative,
      description:
        'start-up, evaluations and checkpoints of one trial run (a trial, or one rung of it), priced like ms_per_step',
    },
    rate_usd_per_hour: nonNegative,
  },
  allOf: [
    requiredFor('grid', ['space', 'steps']),
    requiredFor('random', ['space', 'steps', 'samples']),
    requiredFor('greedy-doubling', ['start_lr', 'steps']),
  ],
} as const;

type Schema = Record<string, unknown>;

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

const show = (v: unknown) =>
  typeof v === 'string'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? 'an array'
      : typeOf(v) === 'object'
        ? 'an object'
        : String(v);

/** Every violation of `schema` by `value`, as `pointer: found X, expected Y` (pointer "/" for the root). */
export function schemaErrors(
  schema: Schema,
  value: unknown,
  pointer = '',
  /** The schema whose `properties` describe a missing field (an if/then part's parent). */
  describedBy: Schema = schema,
): string[] {
  const at = pointer || '/';
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = ([] as string[]).concat(schema.type as string | string[]);
    const t = typeOf(value);
    if (!types.some((want) => want === t || (want === 'number' && t === 'integer'))) {
      const expected = types.map((x) => (/^[aeiou]/.test(x) ? `an ${x}` : `a ${x}`)).join(' or ');
      return [`${at}: found ${show(value)}, expected ${expected}`];
    }
  }
  if (schema.enum !== undefined && !(schema.enum as unknown[]).includes(value)) {
    errors.push(
      `${at}: found ${show(value)}, expected one of ${(schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
    );
  }
  if (schema.const !== undefined && value !== schema.const) {
    errors.push(`${at}: found ${show(value)}, expected ${JSON.stringify(schema.const)}`);
  }
  if (typeof value === 'number') {
    const bound = (key: string, ok: (limit: number) => boolean, words: string) => {
      const limit = schema[key] as number | undefined;
      if (limit !== undefined && !ok(limit)) errors.push(`${at}: found ${value}, expected ${words} ${limit}`);
    };
    bound('minimum', (l) => value >= l, '≥');
    bound('exclusiveMinimum', (l) => value > l, '>');
    bound('exclusiveMaximum', (l) => value < l, '<');
  }
  if (Array.isArray(value)) {
    const { minItems, maxItems, items } = schema as { minItems?: number; maxItems?: number; items?: Schema };
    if (minItems !== undefined && value.length < minItems)
      errors.push(`${at}: found ${value.length} items, expected at least ${minItems}`);
    if (maxItems !== undefined && value.length > maxItems)
      errors.push(`${at}: found ${value.length} items, expected at most ${maxItems}`);
    if (items)
      for (const [i, v] of value.entries()) errors.push(...schemaErrors(items, v, `${pointer}/${i}`));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const { minProperties, maxProperties } = schema as { minProperties?: number; maxProperties?: number };
    if (minProperties !== undefined && keys.length < minProperties)
      errors.push(`${at}: found ${keys.length} properties, expected at least ${minProperties}`);
    if (maxProperties !== undefined && keys.length > maxProperties)
      errors.push(
        `${at}: found ${keys.length} properties (${keys.join(', ')}), expected at most ${maxProperties}`,
      );
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in obj)) {
        const described = (describedBy.properties ?? {}) as Record<string, Schema>;
        const what = (described[key]?.description as string | undefined) ?? 'a value';
        errors.push(`${pointer}/${key}: missing, expected ${what}`);
      }
    }
    for (const key of keys) {
      const sub: unknown = props[key] ?? schema.additionalProperties;
      if (sub === false)
        errors.push(`${pointer}/${key}: unknown property, expected one of ${Object.keys(props).join(', ')}`);
      else if (sub && typeof sub === 'object')
        errors.push(...schemaErrors(sub as Schema, obj[key], `${pointer}/${key}`));
    }
  }
  for (const part of (schema.allOf ?? []) as Schema[]) {
    if (part.if !== undefined) {
      if (schemaErrors(part.if as Schema, value, pointer).length === 0 && part.then)
        errors.push(...schemaErrors(part.then as Schema, value, pointer, schema));
    } else errors.push(...schemaErrors(part, value, pointer));
  }
  return errors;
}
