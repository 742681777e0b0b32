// A service's command runs with `sh -c`. When it is one simple command, `exec` makes it replace the
// shell, so the stop signal (from Compose, Kubernetes or systemd) reaches the app itself rather
// than a shell that would not pass it on. A command list (`a && b`, pipes) is left as it is.

const SHELL_OPERATORS = /[;&|\n`]|\$\(/;

export function withExec(command: string): string {
  const trimmed = command.trim();
  if (trimmed.startsWith("exec ") || SHELL_OPERATORS.test(trimmed)) return trimmed;
  return `exec ${trimmed}`;
}
