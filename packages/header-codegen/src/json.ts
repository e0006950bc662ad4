/**
 * The model as JSON for `--json`: integers as plain decimal numbers (exact, even beyond 2^53).
 */
import type { HeaderModel } from './model.js';

const bigintMarker = '\u0000bigint:';

export function modelToJson(model: HeaderModel | readonly HeaderModel[]): string {
  const text = JSON.stringify(
    model,
    (key, value: unknown) => {
      if (key === 'expression') return undefined; // parser internals
      if (typeof value === 'bigint') return `${bigintMarker}${value}`;
      return value;
    },
    2,
  );
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}
