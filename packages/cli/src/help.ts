/**
 * Help text, built from the command specs.
 */
import type { CommandSpec } from './command.js';
import { commands } from './registry.js';

function columns(rows: readonly (readonly [string, string])[], indent = '  '): string {
  const width = Math.min(34, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows
    .map(([left, right]) =>
      left.length + 2 > width
        ? `${indent}${left}\n${indent}${' '.repeat(width)}${right}`
        : `${indent}${left.padEnd(width)}${right}`,
    )
    .join('\n');
}

export function generalHelp(): string {
  return `Usage: vmci <command> [options]

vsock (VMware VMCI sockets / Linux AF_VSOCK) from the command line.

Commands:
${columns(commands.map((command) => [command.name, command.summary]))}

Options:
${columns([
  ['--help, -h', "show this help (or 'vmci <command> --help')"],
  ['--version, -v', 'print the version'],
])}

Examples:
  vmci doctor
  vmci doctor --json | jq .localCid
  vmci demo
  vmci listen 5000 --echo
  vmci connect host:5000 < request.txt > reply.txt
  vmci proxy --from tcp:127.0.0.1:8080 --to vsock:3:80 --allow vsock:3:80
  vmci send 3:5001 disk.img

Exit codes: 0 success, 1 failure (one sentence on stderr), 2 usage error.
`;
}

function wrap(text: string, width = 92, indent = '  '): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width - indent.length) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

export function commandHelp(command: CommandSpec): string {
  const options = Object.entries(command.options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` ${option.value}` : ''}`;
    return [flag, option.description] as const;
  });
  options.push(['--help, -h', 'show this help']);
  return `Usage: vmci ${command.name} ${command.synopsis}

${wrap(command.description)}

Options:
${columns(options)}

Examples:
${command.examples.map((example) => `  ${example}`).join('\n')}
`;
}
