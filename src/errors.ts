// Two families of errors: UserError is the user's to fix (printed without a stack, exit 1);
// anything else is a bug in berth (printed with a stack and a request to report it).

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic {
  location: SourceLocation | null;
  /** Dotted key path, e.g. services.web.replicas. Empty for whole-file problems. */
  path: string;
  message: string;
  /** What to write instead. */
  hint?: string;
}

export class UserError extends Error {
  override name = "UserError";
  constructor(
    message: string,
    readonly options: { hint?: string; diagnostics?: Diagnostic[]; exitCode?: number; details?: string } = {},
  ) {
    super(message);
  }
  get exitCode(): number {
    return this.options.exitCode ?? EXIT_USER_ERROR;
  }
}

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_BUG = 2;
/** A command whose target failed at run time (a release task, a replica that never became ready). */
export const EXIT_STACK_FAILED = 3;
/** The daemon could not be reached or started. */
export const EXIT_DAEMON_UNAVAILABLE = 4;

export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = diagnostic.location
    ? `${diagnostic.location.file}:${diagnostic.location.line}:${diagnostic.location.column}`
    : "";
  const head = [where, diagnostic.path].filter(Boolean).join(" ");
  const hint = diagnostic.hint ? `\n    ${diagnostic.hint}` : "";
  return `${head ? head + ": " : ""}${diagnostic.message}${hint}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
