/** OpenAPI for "any JSON value but null" (for `unknown` the decorators would otherwise say object). */
export const ANY_JSON_VALUE = {
  oneOf: [
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
  ],
};

/**
 * Any JSON value, null included. OpenAPI 3.0 puts `nullable` beside a `type`, so null is allowed
 * by one branch only (and `oneOf` still matches exactly one).
 */
export const ANY_JSON = {
  oneOf: [
    { type: 'object', additionalProperties: true, nullable: true },
    ...ANY_JSON_VALUE.oneOf.slice(1),
  ],
};
