// The fully-resolved stack every module reads. Users write `berth.yml` (see schema.ts);
// resolveStack() fills in every default so nothing downstream needs `??`.

export type RestartPolicy = "always" | "on-failure" | "no";

export type HealthCheck =
  | { kind: "http"; path: string; status: number; host: string | null; probe: ProbeTiming }
  | { kind: "tcp"; probe: ProbeTiming }
  | { kind: "command"; command: string; probe: ProbeTiming };

export interface ProbeTiming {
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures before the replica is declared unhealthy. */
  retries: number;
  /** Failures during this window after start do not count. */
  startPeriodMs: number;
}

export type PortPolicy =
  | { kind: "none" }
  /** berth picks a free loopback port for each replica. */
  | { kind: "auto" }
  /** Replica i listens on base + i. */
  | { kind: "fixed"; base: number };

export interface Service {
  name: string;
  command: string;
  /** Absolute directory the command runs in. */
  cwd: string;
  env: Record<string, string>;
  replicas: number;
  port: PortPolicy;
  health: HealthCheck | null;
  restart: RestartPolicy;
  stopGraceMs: number;
  dependsOn: string[];
}

export type Database = { engine: "sqlite"; file: string | null };

export interface LogPolicy {
  maxSizeBytes: number;
  keep: number;
  compress: boolean;
}

export interface Stack {
  name: string;
  /** Absolute path of the berth.yml this stack came from. */
  file: string;
  /** Directory of berth.yml; relative paths in the file resolve against it. */
  root: string;
  /** Variables from env_file and env:, already interpolated. Shared by every service. */
  env: Record<string, string>;
  secrets: string[];
  database: Database;
  release: string[];
  services: Service[];
  logs: LogPolicy;
}
