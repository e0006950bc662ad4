export type { CType, DataModel, IntTypeName } from './c-types.js';
export { type CodegenConfig, type HeaderConfig, defineConfig, validateConfig } from './config.js';
export { emitModule, moduleFileName } from './emit.js';
export { CodegenError, type CodegenErrorCode, type SourceLocation } from './errors.js';
export { type CheckResult, type GeneratedFile, checkFiles, generateFiles, modelsFor, writeFiles } from './generate.js';
export { modelToJson } from './json.js';
export {
  type BuildModelOptions,
  type Constant,
  type FieldModel,
  type FunctionModel,
  type HeaderModel,
  type MacroFunctionModel,
  type SkipModel,
  type StructModel,
  buildModel,
} from './model.js';
export { type OracleResult, oracleSource, runClangOracle, runGccOracle } from './oracle.js';
export { type TargetName, type TargetProfile, getTargetProfile, targetNames, targetProfiles } from './targets.js';
export { generatorVersion } from './version.js';
