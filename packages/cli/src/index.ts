// The commands as functions, for the tests in this repository. Not published: @vmci/cli exports no
// JavaScript API (its only entry point is the vmci binary, src/bin.ts).
export type { CommandContext, CommandSpec, OptionSpec, ParsedCommand } from './command.js';
export { type BenchReport, runBenchClient, startBenchServer } from './commands/bench.js';
export {
  type ConnectCommandOptions,
  runConnect,
  type SocketKind,
} from './commands/connect.js';
export { type DemoOptions, runDemo } from './commands/demo.js';
export {
  type DoctorOptions,
  type DoctorReport,
  doctorReport,
  runDoctor,
} from './commands/doctor.js';
export { type ListenOptions, runListen } from './commands/listen.js';
export { completionScript, type Shell, shells } from './completion.js';
export { type CliIo, processIo, type StreamIo, UsageError } from './io.js';
export { type MainOptions, main, version } from './main.js';
export { commands } from './registry.js';
