// The fully-resolved stack every module reads. Users write `berth.yml` (see schema.ts);
// resolveStack() fills in every default so nothing downstream needs `??`.

import type { AlertPolicy, Job, LogPolicyExtras } from "./operations-types.js";

export type RestartPolicy = "always" | "on-failure" | "no";

export type HealthCheck =
  | {
      kind: "http";
      path: string;
      status: number;
      host: string | null;
      /** "https" when the proxy serves the service over TLS: the probe says so as the proxy does (X-Forwarded-Proto). */
      forwardedProto?: "https";
      probe: ProbeTiming;
    }
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
  /** The signal that asks the process to stop (default SIGTERM); PostgreSQL's fast shutdown is SIGINT. */
  stopSignal?: "SIGTERM" | "SIGINT" | "SIGQUIT";
  /** Restart the service when these files change (dev mode). */
  watch?: { paths: string[]; ignore: string[] };
  /** `user:` from berth.yml (the service's, else the stack's); null: berth chooses (src/supervisor/run-as-user.ts). */
  runAs: string | null;
  /** Variables only its health probe gets (a server's admin password), never the process itself. */
  probeEnv?: Record<string, string>;
  /** The system user it runs as, once the daemon resolved it; absent: berth's own user. */
  user?: { name: string; uid: number; gid: number };
}

export type Database =
  | { engine: "sqlite"; file: string | null }
  /** A PostgreSQL server berth runs for the stack; version null: the newest installed. */
  | { engine: "postgres"; version: number | null; extensions: string[] }
  | { engine: "mariadb"; version: number | null }
  /** A database berth does not run (`database: { url }`). The url may hold a password: a secret. */
  | { engine: "external"; url: string };

export interface BackupPolicy {
  /** Cron expression (host's time zone) for automatic backups; null: only `berth backup`. */
  schedule: string | null;
  /** Automatic backups kept per engine. */
  keep: number;
}

export interface LogPolicy extends LogPolicyExtras {
  maxSizeBytes: number;
  keep: number;
  compress: boolean;
}

export type TlsMode =
  | { mode: "self-signed" }
  | { mode: "off" }
  | { mode: "acme"; email: string | null; directoryUrl: string }
  | { mode: "files"; certFile: string; keyFile: string };

export interface ProxyConfig {
  /** Lowercase Host allow-list; other hosts get 421. "*.example.org" matches one label. */
  hosts: string[];
  /** Path prefix → service; longest prefix wins. */
  routes: { prefix: string; service: string }[];
  /** URL prefix → absolute directory, served by the proxy itself. */
  static: { prefix: string; directory: string }[];
  tls: TlsMode;
  redirectHttp: boolean;
  hstsMaxAgeSeconds: number | null;
  trustedProxies: string[];
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  drainTimeoutMs: number;
  /** How long a request waits for a ready replica when its service has none (a restart), before 503. */
  holdMs: number;
  /** `proxy.redirects`, in order: a host rule's host is also in `hosts`. */
  redirects: { fromHost?: string; fromPath?: string; to: string; status: number }[];
  /** `proxy.basic_auth`: the password is the named secret of the stack's store. */
  basicAuth: { user: string; passwordSecret: string } | null;
  /** The stack's own ports besides the shared listeners: plain HTTP, or HTTPS with its certificate. */
  listen: { port: number; tls: boolean }[];
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
  /** `user:` from berth.yml: who the stack's processes run as when berth is root; null: berth chooses. */
  user: string | null;
  database: Database;
  /** Whether berth runs a Redis server for the stack (REDIS_URL). */
  redis: boolean;
  backup: BackupPolicy;
  release: string[];
  services: Service[];
  logs: LogPolicy;
  /** null when the stack has no `proxy:` section. */
  proxy: ProxyConfig | null;
  build: string[];
  /** `build.outputs`: what `deploy --skip-build` copies from the live release. */
  buildOutputs?: string[];
  /** Relative paths kept across releases (media, .env), linked into each release directory. */
  shared: string[];
  keepReleases: number;
  hooks: { preDeploy: string[]; postDeploy: string[] };
  /** The release this stack definition runs, or null when it runs from its own directory (`berth up`). */
  releaseId: string | null;
  /** Scheduled commands (src/jobs); absent in state written before jobs existed. */
  jobs?: Job[];
  /** Where alerts go (src/alerts); null or absent: nowhere. */
  alerts?: AlertPolicy | null;
}
