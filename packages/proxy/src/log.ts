/**
 * The proxy's log: one line per event, JSON by default (for journald, jq, log shippers) or text
 * for people. `quiet` keeps errors only.
 *
 * JSON: `{"time":"2026-05-01T12:00:00.000Z","level":"info","event":"closed","id":7,
 * "from":"tcp:127.0.0.1:50514","to":"vsock:3:80","bytesIn":12,"bytesOut":3400,"durationMs":41,
 * "reason":"done"}` — fields that do not apply are left out.
 * Text: `2026-05-01T12:00:00.000Z info  closed #7 from=tcp:127.0.0.1:50514 to=vsock:3:80 …`.
 */

/** What happened. Every `accepted` connection ends with exactly one `closed`. */
export type ProxyEventName =
  /** The proxy listens (`from` is the bound endpoint, `port` the bound port). */
  | 'listening'
  /** A client connected. */
  | 'accepted'
  /** The target answered; bytes flow. */
  | 'connected'
  /** A connection ended (`reason`: done, idle-timeout, error, denied, stopped). */
  | 'closed'
  /** A client was turned away before it was accepted (`reason`: source, limit, stopping). */
  | 'refused'
  /** The allowlist does not allow the target (any more). */
  | 'denied'
  /** Something failed (`code`, `message`); the proxy keeps serving. */
  | 'error'
  /** The proxy stopped; totals over its life. */
  | 'stopped';

/** The level of a log line: `info`, `warn` (denied, refused) or `error`. */
export type ProxyLogLevel = 'info' | 'warn' | 'error';

/** One thing that happened: `event` names it, the other fields say to whom and how much. */
export interface ProxyEvent {
  readonly event: ProxyEventName;
  /** The connection's number (from 1, in order of arrival). */
  readonly id?: number;
  /** The client's address; for `listening`, the bound endpoint. */
  readonly from?: string;
  /** The target endpoint. */
  readonly to?: string;
  /** The bound port (`listening` on vsock or tcp). */
  readonly port?: number;
  /** Bytes from the client to the target. */
  readonly bytesIn?: number;
  /** Bytes from the target to the client. */
  readonly bytesOut?: number;
  readonly durationMs?: number;
  /** Connections accepted over the proxy's life (`stopped`). */
  readonly connections?: number;
  readonly reason?: string;
  /** An errno-like code (`ECONNREFUSED`, `ETIMEDOUT`, …). */
  readonly code?: string;
  readonly message?: string;
}

/** The level of an event: refusals and denials warn, errors are errors, the rest is info. */
export function eventLevel(event: ProxyEventName): ProxyLogLevel {
  if (event === 'error') return 'error';
  if (event === 'refused' || event === 'denied') return 'warn';
  return 'info';
}

/** `json` (one object per line) or `text` (one readable line). */
export type ProxyLogFormat = 'json' | 'text';

/** Where {@link createProxyLog} writes, in which format, and whether quietly. */
export interface ProxyLogOptions {
  /** Receives each line, newline included (the CLI passes `io.stderr`). */
  readonly write: (line: string) => void;
  readonly format?: ProxyLogFormat;
  /** Errors only. */
  readonly quiet?: boolean;
  /** The clock (tests pin it). */
  readonly now?: () => Date;
}

const fieldOrder = [
  'id',
  'from',
  'to',
  'port',
  'connections',
  'bytesIn',
  'bytesOut',
  'durationMs',
  'reason',
  'code',
  'message',
] as const;

function textValue(value: string | number): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** One JSON line. */
export function formatJsonLine(event: ProxyEvent, time: Date): string {
  const record: Record<string, string | number> = {
    time: time.toISOString(),
    level: eventLevel(event.event),
    event: event.event,
  };
  for (const key of fieldOrder) {
    const value = event[key];
    if (value !== undefined) record[key] = value;
  }
  return `${JSON.stringify(record)}\n`;
}

/** One text line: time, level, event, `#id`, then `key=value` pairs (quoted when needed). */
export function formatTextLine(event: ProxyEvent, time: Date): string {
  const parts = [time.toISOString(), eventLevel(event.event).padEnd(5), event.event];
  if (event.id !== undefined) parts.push(`#${event.id}`);
  for (const key of fieldOrder) {
    if (key === 'id') continue;
    const value = event[key];
    if (value !== undefined) parts.push(`${key}=${textValue(value)}`);
  }
  return `${parts.join(' ')}\n`;
}

/** Returns the function the proxy calls for each event. */
export function createProxyLog(options: ProxyLogOptions): (event: ProxyEvent) => void {
  const format = options.format === 'text' ? formatTextLine : formatJsonLine;
  const now = options.now ?? (() => new Date());
  return (event) => {
    if (options.quiet && eventLevel(event.event) !== 'error') return;
    options.write(format(event, now()));
  };
}
