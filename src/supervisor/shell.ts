// Commands run through /bin/sh so `$PORT` and other runtime variables expand. A simple command is
// exec'd so the app itself, not a shell, is the group leader whose pid berth reports and signals.

const SHELL_CONTROL = /[;&|\n`<>()]|\$\(/;

export function shellCommand(command: string): string {
  const trimmed = command.trim();
  if (SHELL_CONTROL.test(trimmed) || /^exec\s/.test(trimmed)) return trimmed;
  return `exec ${trimmed}`;
}
