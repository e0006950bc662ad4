export { runDemo } from './commands/demo.js';
export { type DoctorReport, doctorReport, runDoctor } from './commands/doctor.js';
export {
  type ConnectCommandOptions,
  type ListenOptions,
  runConnect,
  runListen,
  type StreamIo,
} from './commands/listen.js';
export { type CliIo, processIo, UsageError } from './io.js';
export { main, usage, version } from './main.js';
