export type { CType, DataModel, IntTypeName } from './c-types.js';
export { type CodegenConfig, defineConfig, type HeaderConfig, validateConfig } from './config.js';
export { type EmitOptions, emitModule, moduleFileName, regenerateLine } from './emit.js';
export { CodegenError, type CodegenErrorCode, type SourceLocation } from './errors.js';
export {
  type CheckResult,
  checkFiles,
  type GeneratedFile,
  generateFiles,
  modelsFor,
  writeFiles,
} from './generate.js';
export {
  type CodegenJsonOutput,
  codegenJson,
  type JsonHeaderModel,
  type Jsonified,
  modelToJson,
} from './json.js';
export {
  type BuildModelOptions,
  buildModel,
  type Constant,
  type FieldModel,
  type FunctionModel,
  type HeaderModel,
  type MacroFunctionModel,
  type SkipModel,
  type StructModel,
} from './model.js';
export { type OracleResult, oracleSource, runClangOracle, runGccOracle } from './oracle.js';
export {
  findSdkHeader,
  type SdkHeaderInfo,
  type SdkInstallLocation,
  type SdkSearchedPlace,
  type SdkSearchOptions,
  type SdkSearchResult,
  sdkDirEnv,
  sdkHeaderInfo,
  sdkHeaderName,
  sdkInstallLocations,
  sdkNotFoundMessage,
  searchSdk,
} from './sdk.js';
export {
  getTargetProfile,
  type TargetName,
  type TargetProfile,
  targetNames,
  targetProfiles,
} from './targets.js';
export { generatorVersion } from './version.js';
