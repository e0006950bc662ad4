/**
 * The outbound allowlist: which targets the proxy may connect to. Nothing is allowed unless a
 * rule says so.
 *
 * A rule is an endpoint as `--to` takes it, where `*` may stand for the vsock CID, the port or
 * the TCP host: `vsock:3:80`, `vsock:host:*`, `tcp:10.0.0.5:443`, `tcp:*:443`,
 * `tcp:[fd00::1]:8443`, `unix:/run/agent.sock`. A file holds one rule per line; `#` starts a
 * comment (at the start of a line or after a space) and blank lines are ignored.
 *
 * TCP rules match the host as written in `--to`, after normalising case and IPv6 spelling; DNS is
 * not consulted, so `tcp:10.0.0.5:443` does not allow `tcp:kms.internal:443` even when that name
 * resolves to 10.0.0.5. The file is read again when it changes, so removing a line revokes access
 * for the next connection without a restart; a file that becomes unreadable or invalid denies
 * everything until it is fixed (fail closed).
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import {
  type Endpoint,
  formatTcpHost,
  normalizeTcpHost,
  parseCid,
  parsePortNumber,
  parseVsockPort,
  splitEndpoint,
} from './endpoint.js';
import { errorCode, errorMessage, invalidArgument, isInvalidArgument } from './errors.js';

type Wildcard = '*';

/** One allowlist rule: an endpoint where `*` may stand for the CID, host or port. */
export type AllowRule =
  | { readonly kind: 'vsock'; readonly cid: number | Wildcard; readonly port: number | Wildcard }
  | { readonly kind: 'tcp'; readonly host: string | Wildcard; readonly port: number | Wildcard }
  | { readonly kind: 'unix'; readonly path: string };

/** What {@link Allowlist.check} decided, with the rule or the reason (for logs). */
export type AllowDecision =
  | { readonly allowed: true; readonly rule: string }
  | { readonly allowed: false; readonly reason: string };

function checkRule(text: string, relativeUnixPaths: boolean): AllowRule | string {
  const parts = splitEndpoint(text);
  if (typeof parts === 'string') return parts;
  if (parts.kind === 'unix') {
    if (!relativeUnixPaths && !isAbsolute(parts.path))
      return 'Unix socket paths in an allowlist file must be absolute';
    return { kind: 'unix', path: resolvePath(parts.path) };
  }
  if (parts.kind === 'vsock') {
    if (parts.cid === undefined)
      return 'a vsock rule names the CID (or *): vsock:CID:PORT, e.g. vsock:3:80 or vsock:*:80';
    const cid = parts.cid === '*' ? '*' : parseCid(parts.cid);
    if (cid === undefined)
      return `the CID must be a number, one of host, local, hypervisor, or *; got '${parts.cid}'`;
    const port = parts.port === '*' ? '*' : parseVsockPort(parts.port);
    if (port === undefined)
      return `the vsock port must be a whole number from 0 to 4294967295 or *, got '${parts.port}'`;
    return { kind: 'vsock', cid, port };
  }
  if (parts.host === undefined)
    return 'a tcp rule names the host (or *): tcp:HOST:PORT, e.g. tcp:10.0.0.5:443 or tcp:*:443';
  const host = parts.host === '*' ? '*' : normalizeTcpHost(parts.host);
  if (host === undefined)
    return `'${parts.host}' is not an IP address, a host name or * (IPv6 goes in brackets: tcp:[::1]:443)`;
  const port = parts.port === '*' ? '*' : parsePortNumber(parts.port, 65535);
  if (port === undefined)
    return `the TCP port must be a whole number from 0 to 65535 or *, got '${parts.port}'`;
  return { kind: 'tcp', host, port };
}

/**
 * Parses one rule (an `--allow` value); throws a `ERR_VMCI_INVALID_ARGUMENT` {@link ProxyError} that starts with `context`.
 * Relative Unix paths resolve against the current directory.
 */
export function parseAllowRule(text: string, context = 'allow rule'): AllowRule {
  const rule = checkRule(text.trim(), true);
  if (typeof rule === 'string') throw invalidArgument(`${context} '${text}': ${rule}`);
  return rule;
}

/** Removes a `#` comment: one at the start of the line or after white space. */
function stripComment(line: string): string {
  const match = /(^|\s)#/.exec(line);
  return match ? line.slice(0, match.index) : line;
}

/**
 * Parses an allowlist file's text. Every bad line throws a `ERR_VMCI_INVALID_ARGUMENT` {@link ProxyError} naming
 * `source:line`, e.g. `vmci proxy: allow.list:3: 'tcp:*': a tcp rule names the host …`.
 */
export function parseAllowlist(content: string, source: string): AllowRule[] {
  const rules: AllowRule[] = [];
  const lines = content.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const text = stripComment(line).trim();
    if (text === '') continue;
    const where = `vmci proxy: ${source}:${index + 1}:`;
    if (/\s/.test(text))
      throw invalidArgument(`${where} '${text}': one rule per line (a # starts a comment)`);
    const rule = checkRule(text, false);
    if (typeof rule === 'string') throw invalidArgument(`${where} '${text}': ${rule}`);
    rules.push(rule);
  }
  return rules;
}

/** The rule as it would be written back (names resolved: `vsock:host:80` → `vsock:2:80`). */
export function formatAllowRule(rule: AllowRule): string {
  if (rule.kind === 'unix') return `unix:${rule.path}`;
  if (rule.kind === 'vsock') return `vsock:${rule.cid}:${rule.port}`;
  return `tcp:${rule.host === '*' ? '*' : formatTcpHost(rule.host)}:${rule.port}`;
}

/** Whether `rule` allows connecting to `target`. */
export function ruleAllows(rule: AllowRule, target: Endpoint): boolean {
  if (rule.kind === 'unix') return target.kind === 'unix' && target.path === rule.path;
  if (rule.kind === 'vsock')
    return (
      target.kind === 'vsock' &&
      (rule.cid === '*' || rule.cid === target.cid) &&
      (rule.port === '*' || rule.port === target.port)
    );
  return (
    target.kind === 'tcp' &&
    (rule.host === '*' || rule.host === target.host) &&
    (rule.port === '*' || rule.port === target.port)
  );
}

/** The first rule that allows `target`, or undefined. */
export function findAllowingRule(
  rules: readonly AllowRule[],
  target: Endpoint,
): AllowRule | undefined {
  return rules.find((rule) => ruleAllows(rule, target));
}

export interface AllowlistOptions {
  /** A file of rules, read now and again whenever it changes. */
  readonly file?: string;
  /** Rules given directly (`allow`), fixed for the proxy's life. */
  readonly rules?: readonly string[];
  /** How messages name {@link AllowlistOptions.rules} (default `allow`; the CLI's is `--allow`). */
  readonly rulesLabel?: string;
}

/** The rules in force; {@link Allowlist.check} re-reads the file when it has changed. */
export interface Allowlist {
  /** Where the rules come from, for messages: `allow.list`, `allow`, `allow.list and allow`. */
  readonly source: string;
  /** Decides for one connection (reads the file again first when it changed). */
  check(target: Endpoint): Promise<AllowDecision>;
}

interface FileState {
  readonly signature: string;
  readonly rules: readonly AllowRule[];
  /** Why the current version of the file is unusable (everything is denied meanwhile). */
  readonly problem?: string;
}

async function fileSignature(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

async function readRules(path: string): Promise<FileState> {
  const signature = await fileSignature(path);
  const content = await readFile(path, 'utf8');
  return { signature, rules: parseAllowlist(content, path) };
}

function describeReadError(path: string, error: unknown): string {
  const code = errorCode(error);
  if (code === 'ENOENT') return `cannot read the allowlist ${path}: no such file`;
  if (code === 'EACCES') return `cannot read the allowlist ${path}: permission denied`;
  if (code === 'EISDIR') return `cannot read the allowlist ${path}: it is a directory`;
  return `cannot read the allowlist ${path}: ${errorMessage(error)}`;
}

/**
 * Loads the rules (throws a `ERR_VMCI_INVALID_ARGUMENT` {@link ProxyError} for a missing file or a bad rule, naming the line).
 * With neither a file nor rules, everything is denied; the command refuses that earlier.
 */
export async function loadAllowlist(options: AllowlistOptions): Promise<Allowlist> {
  const rulesLabel = options.rulesLabel ?? 'allow';
  const fixedRules = (options.rules ?? []).map((text) =>
    parseAllowRule(text, `vmci proxy: ${rulesLabel}`),
  );
  const path = options.file;
  let state: FileState | undefined;
  if (path !== undefined) {
    try {
      state = await readRules(path);
    } catch (error) {
      if (isInvalidArgument(error)) throw error;
      throw invalidArgument(`vmci proxy: ${describeReadError(path, error)}`);
    }
  }
  const sources = [
    ...(path !== undefined ? [path] : []),
    ...(fixedRules.length > 0 ? [rulesLabel] : []),
  ];
  const source = sources.length > 0 ? sources.join(' and ') : 'no rules';

  async function refresh(filePath: string, current: FileState): Promise<FileState> {
    let signature: string;
    try {
      signature = await fileSignature(filePath);
    } catch (error) {
      return { signature: '', rules: [], problem: describeReadError(filePath, error) };
    }
    if (signature === current.signature) return current;
    try {
      return await readRules(filePath);
    } catch (error) {
      const problem = isInvalidArgument(error)
        ? error.message.replace(/^vmci proxy: /, '')
        : describeReadError(filePath, error);
      return { signature, rules: [], problem };
    }
  }

  return {
    source,
    async check(target) {
      const fixed = findAllowingRule(fixedRules, target);
      if (fixed) return { allowed: true, rule: formatAllowRule(fixed) };
      if (path !== undefined && state !== undefined) {
        state = await refresh(path, state);
        if (state.problem !== undefined)
          return { allowed: false, reason: `${state.problem} (denying until it is fixed)` };
        const fromFile = findAllowingRule(state.rules, target);
        if (fromFile) return { allowed: true, rule: formatAllowRule(fromFile) };
      }
      return { allowed: false, reason: `no rule in ${source} allows it` };
    },
  };
}
