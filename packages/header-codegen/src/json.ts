/**
 * The model as JSON for `--json`: integers as plain decimal numbers (exact, even beyond 2^53).
 */
import type { HeaderModel } from './model.js';
import { generatorVersion } from './version.js';

/**
 * A model value as JSON: bigints become numbers (written exactly; `JSON.parse` rounds those beyond
 * 2^53, so parse with a big-number reviver when that matters), parser internals (`expression`) are
 * left out, and keys whose value is `undefined` are absent.
 */
export type Jsonified<T> = T extends bigint
  ? number
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends readonly (infer Item)[]
      ? Jsonified<Item>[]
      : { [K in keyof T as K extends 'expression' ? never : K]: Jsonified<T[K]> };

/** One header × target model in `--json` output. */
export type JsonHeaderModel = Jsonified<HeaderModel>;

/** What `vmci-codegen --json` prints: one shape for one target or many. */
export interface CodegenJsonOutput {
  /** The generator that made it, `@vmci/header-codegen@<version>`. */
  readonly generator: string;
  /** One model per target, in the order of `--target`. */
  readonly models: JsonHeaderModel[];
}

const bigintMarker = '\u0000bigint:';

/** One or more header models as JSON (64-bit values as strings, so nothing is rounded). */
export function modelToJson(model: HeaderModel | readonly HeaderModel[]): string {
  return toJson(model);
}

/** The `--json` document ({@link CodegenJsonOutput}) for the models of one run. */
export function codegenJson(models: readonly HeaderModel[]): string {
  return toJson({ generator: `@vmci/header-codegen@${generatorVersion}`, models });
}

function toJson(value: unknown): string {
  const text = JSON.stringify(
    value,
    (key, item: unknown) => {
      if (key === 'expression') return undefined; // parser internals
      if (typeof item === 'bigint') return `${bigintMarker}${item}`;
      return item;
    },
    2,
  );
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}
