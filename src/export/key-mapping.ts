import type { ExportTarget } from "./types.js";

// Every key users can write in berth.yml, and what it becomes in each target — or, marked
// `dropped`, what happens instead. The unexpressed-key report and docs/export.md both read this
// table, and key-mapping.test.ts checks that it covers every key of the schema, so a new berth.yml
// key cannot be exported in silence. `*` stands for any name (a service, a variable, a prefix).

export type KeyFate = { becomes: string } | { dropped: string };

export interface KeyMapping {
  key: string;
  compose: KeyFate;
  kubernetes: KeyFate;
  systemd: KeyFate;
}

const becomes = (text: string): KeyFate => ({ becomes: text });
const dropped = (text: string): KeyFate => ({ dropped: text });

const NO_HEALTH_IN_SYSTEMD = dropped("systemd has no health probes: only crashes restart a unit (Restart=)");

export const KEY_MAPPINGS: readonly KeyMapping[] = [
  { key: "name", compose: becomes("the project name (COMPOSE_PROJECT_NAME in the generated .env) and volume names"), kubernetes: becomes("the prefix of every object's name and the app.kubernetes.io/part-of label"), systemd: becomes("the prefix of every unit, `<name>.target`, the StateDirectory and the User") },
  { key: "env_file", compose: becomes("its values, read at export time, in each service's `environment:`"), kubernetes: becomes("its values, read at export time, in the `<name>-env` ConfigMap"), systemd: becomes("its values, read at export time, in `<name>.env` (EnvironmentFile=)") },
  { key: "env", compose: becomes("`environment:` of every service"), kubernetes: becomes("the `<name>-env` ConfigMap (envFrom)"), systemd: becomes("`<name>.env` (EnvironmentFile=)") },
  { key: "env.*", compose: becomes("one `environment:` entry"), kubernetes: becomes("one ConfigMap key"), systemd: becomes("one line of `<name>.env`") },
  { key: "secrets", compose: becomes("`secrets.env` (0600, git-ignored) as every service's `env_file:`; values taken from berth's store, or generated"), kubernetes: becomes("a secretGenerator reading `secrets.env` (0600, git-ignored)"), systemd: becomes("`<name>-secrets.env` (0600, git-ignored) as EnvironmentFile=") },
  { key: "user", compose: dropped("containers run as the image's own non-root user (uid 10001, made by the Containerfile): a host user's name means nothing in the image"), kubernetes: dropped("pods run as the image's own non-root user (uid 10001, made by the Containerfile); securityContext.runAsUser takes a uid, not a host user's name"), systemd: becomes("User= of every unit, instead of the stack's dynamic user (DynamicUser=)") },
  { key: "database", compose: becomes("the database service (or the SQLite volume)"), kubernetes: becomes("DATABASE_URL from the Secret; see `database.engine`"), systemd: becomes("DATABASE_URL in the secrets file") },
  { key: "database.engine", compose: becomes("`postgres` / `mariadb` service with a named volume and a pg_isready / healthcheck.sh check; sqlite: a file in the `data` volume"), kubernetes: becomes("sqlite: a PVC; postgres: an external DATABASE_URL (default), a CloudNativePG Cluster (`--postgres cloudnative-pg`) or a StatefulSet (`--postgres statefulset`, small setups only); mariadb: a StatefulSet"), systemd: becomes("After=/Wants= the host's postgresql.service or mariadb.service; sqlite: a file in the StateDirectory") },
  { key: "database.file", compose: dropped("the SQLite file is /data/db.sqlite3 in the `data` volume"), kubernetes: dropped("the SQLite file is /data/db.sqlite3 on the `data` PVC"), systemd: becomes("DATABASE_URL pointing at that file, added to ReadWritePaths=") },
  { key: "database.version", compose: becomes("the image tag (postgres:15, mariadb:10.11)"), kubernetes: becomes("the image tag"), systemd: dropped("the host's installed server is used, whatever its version") },
  { key: "database.extensions", compose: becomes("an init script (CREATE EXTENSION) mounted in /docker-entrypoint-initdb.d"), kubernetes: becomes("postInitApplicationSQL (CloudNativePG) or an init script (StatefulSet)"), systemd: becomes("`CREATE EXTENSION IF NOT EXISTS` run by the release unit (psql)") },
  { key: "database.url", compose: becomes("DATABASE_URL in `secrets.env`"), kubernetes: becomes("DATABASE_URL in the Secret"), systemd: becomes("DATABASE_URL in the secrets file") },
  { key: "redis", compose: becomes("a `redis` service (password, appendonly, named volume, redis-cli ping check); REDIS_URL in `secrets.env`"), kubernetes: becomes("a `<name>-redis` Deployment + Service + PVC; REDIS_URL in the Secret"), systemd: becomes("After=/Wants= redis-server.service; REDIS_URL in the secrets file") },
  { key: "backup", compose: becomes("a `backup` service in the `backup` profile"), kubernetes: becomes("a CronJob"), systemd: becomes("`<name>-backup.service` + `.timer`") },
  { key: "backup.schedule", compose: dropped("Compose has no scheduler: run `docker-compose --profile backup run --rm backup` from the host's cron at this schedule"), kubernetes: becomes("the CronJob's schedule"), systemd: becomes("OnCalendar= of `<name>-backup.timer`") },
  { key: "backup.keep", compose: becomes("older dumps deleted by the backup service"), kubernetes: becomes("older dumps deleted by the CronJob"), systemd: becomes("older dumps deleted by the backup unit") },
  { key: "jobs", compose: becomes("a `job-<name>` service each, in the `jobs` profile"), kubernetes: becomes("a CronJob each"), systemd: becomes("`<name>-job-<job>.service` + `.timer` each") },
  { key: "jobs.*", compose: becomes("a one-shot service with the app's image, environment, secrets and volumes, run from the host's cron"), kubernetes: becomes("a CronJob `<name>-job-<job>` with the app's image, environment and volumes (backoffLimit: 0)"), systemd: becomes("a oneshot unit with the app's environment and sandbox, started by its timer, which `<name>.target` wants") },
  { key: "jobs.*.schedule", compose: dropped("Compose has no scheduler: the export's notes give a crontab line per job (`docker-compose --profile jobs run --rm job-<job>` under flock) for the host's cron"), kubernetes: becomes("the CronJob's schedule (a seconds field is left out, and reported)"), systemd: becomes("OnCalendar= of `<name>-job-<job>.timer`") },
  { key: "jobs.*.command", compose: becomes("`command: [sh, -c, …]`"), kubernetes: becomes("`command: [sh, -c, …]`"), systemd: becomes("ExecStart=/bin/sh -c …") },
  { key: "jobs.*.timeout", compose: becomes("`timeout -k 10s` around the command in the container (SIGTERM, then SIGKILL)"), kubernetes: becomes("activeDeadlineSeconds of the Job"), systemd: becomes("TimeoutStartSec=, past which systemd stops the unit's processes") },
  { key: "jobs.*.overlap", compose: becomes("`flock -n` (skip) or `flock` (queue: the run waits for the running one) in the crontab line"), kubernetes: becomes("concurrencyPolicy: Forbid; `queue` is reported: no policy queues a run, so it is skipped"), systemd: becomes("a timer does not start a unit that is still running (skip); `queue` is reported: the run is skipped") },
  { key: "jobs.*.timezone", compose: dropped("cron reads the schedule in the host's time zone: convert it, or set CRON_TZ where your cron supports it"), kubernetes: becomes("the CronJob's timeZone"), systemd: becomes("the time zone at the end of OnCalendar=") },
  { key: "release", compose: becomes("a one-shot `release` service that the app services wait for (service_completed_successfully), after the database is healthy"), kubernetes: becomes("a Job named per release; the app Deployments wait for it (init container)"), systemd: becomes("`<name>-release.service` (Type=oneshot) that every service Requires=") },
  { key: "services", compose: becomes("one service each"), kubernetes: becomes("a Deployment (+ Service when it has a port) each"), systemd: becomes("a template unit `<name>-<service>@.service` each") },
  { key: "services.*", compose: becomes("a service"), kubernetes: becomes("a Deployment"), systemd: becomes("a template unit, one instance per replica") },
  { key: "services.*.command", compose: becomes("`command: [sh, -c, …]`, a loopback bind made 0.0.0.0"), kubernetes: becomes("`command: [sh, -c, …]`, a loopback bind made 0.0.0.0"), systemd: becomes("ExecStart=/bin/sh -c …") },
  { key: "services.*.cwd", compose: becomes("`working_dir:` (under /app)"), kubernetes: becomes("`workingDir:` (under /app)"), systemd: becomes("WorkingDirectory=") },
  { key: "services.*.env", compose: becomes("the service's `environment:`"), kubernetes: becomes("the container's `env:`"), systemd: becomes("Environment= lines") },
  { key: "services.*.env.*", compose: becomes("one `environment:` entry"), kubernetes: becomes("one `env:` entry"), systemd: becomes("one Environment= line") },
  { key: "services.*.watch", compose: dropped("a dev-mode setting: use Compose's own `develop.watch` in a dev compose file"), kubernetes: dropped("a dev-mode setting: clusters run built images"), systemd: dropped("a dev-mode setting: restart the units yourself after a change") },
  { key: "services.*.watch.paths", compose: dropped("see `services.*.watch`"), kubernetes: dropped("see `services.*.watch`"), systemd: dropped("see `services.*.watch`") },
  { key: "services.*.watch.ignore", compose: dropped("see `services.*.watch`"), kubernetes: dropped("see `services.*.watch`"), systemd: dropped("see `services.*.watch`") },
  { key: "services.*.replicas", compose: becomes("`deploy.replicas`"), kubernetes: becomes("`replicas` (1 without a port: `strategy: Recreate`); a PodDisruptionBudget from 2"), systemd: becomes("the instances `<name>.target` wants") },
  { key: "services.*.port", compose: becomes("PORT inside the container (8000 unless fixed); only the proxy publishes a port"), kubernetes: becomes("PORT, containerPort and the Service port"), systemd: becomes("the instance name: `<service>@8000` listens on PORT=8000") },
  { key: "services.*.health", compose: becomes("`healthcheck:`, which `depends_on` and the proxy wait for; Compose marks a failing container unhealthy but, unlike berth, does not restart it (add an autoheal container for that)"), kubernetes: becomes("readiness, liveness and startup probes"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.http", compose: becomes("a `healthcheck:` that GETs the path inside the container"), kubernetes: becomes("httpGet probes"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.status", compose: becomes("the status the healthcheck expects"), kubernetes: dropped("Kubernetes probes accept any status from 200 to 399"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.host", compose: becomes("the Host header the healthcheck sends"), kubernetes: becomes("the probes' Host header"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.tcp", compose: becomes("a `healthcheck:` that connects to PORT"), kubernetes: becomes("tcpSocket probes"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.command", compose: becomes("`healthcheck: [CMD-SHELL, …]`"), kubernetes: becomes("exec probes (`sh -c`)"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.interval", compose: becomes("`healthcheck.interval`"), kubernetes: becomes("periodSeconds (whole seconds, at least 1)"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.timeout", compose: becomes("`healthcheck.timeout`"), kubernetes: becomes("timeoutSeconds (whole seconds, at least 1)"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.retries", compose: becomes("`healthcheck.retries`"), kubernetes: becomes("failureThreshold"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.health.start_period", compose: becomes("`healthcheck.start_period`"), kubernetes: becomes("the startup probe's failureThreshold"), systemd: NO_HEALTH_IN_SYSTEMD },
  { key: "services.*.restart", compose: becomes("`restart:`"), kubernetes: dropped("a Deployment always restarts its pods (restartPolicy: Always)"), systemd: becomes("Restart= (RestartSec=, StartLimitBurst= within StartLimitIntervalSec=)") },
  { key: "services.*.stop_grace", compose: becomes("`stop_grace_period:`"), kubernetes: becomes("terminationGracePeriodSeconds"), systemd: becomes("TimeoutStopSec=") },
  { key: "services.*.depends_on", compose: becomes("`depends_on:` (service_healthy when the dependency has a health check)"), kubernetes: dropped("pods start independently; readiness probes keep traffic away until they are ready"), systemd: becomes("After= and Wants= on the dependency's instances") },
  { key: "services.*.user", compose: dropped("the service's containers run as the image's own non-root user (uid 10001)"), kubernetes: dropped("the service's pods run as the image's own non-root user (uid 10001)"), systemd: becomes("User= of its template unit, instead of the stack's dynamic user") },
  { key: "logs", compose: becomes("the json-file logging driver's options"), kubernetes: dropped("container logs are the cluster's to rotate (kubelet containerLogMaxSize)"), systemd: becomes("logs go to journald; the logrotate file covers /var/log/<name>/") },
  { key: "logs.max_size", compose: becomes("`logging.options.max-size`"), kubernetes: dropped("container logs are the cluster's to rotate (kubelet containerLogMaxSize)"), systemd: becomes("`size` in the logrotate file") },
  { key: "logs.keep", compose: becomes("`logging.options.max-file`"), kubernetes: dropped("container logs are the cluster's to rotate (kubelet containerLogMaxFiles)"), systemd: becomes("`rotate` in the logrotate file") },
  { key: "logs.compress", compose: becomes("`logging.options.compress`"), kubernetes: dropped("container logs are the cluster's to rotate"), systemd: becomes("`compress` in the logrotate file") },
  { key: "logs.every", compose: dropped("Docker's json-file driver rotates by size only (max-size)"), kubernetes: dropped("container logs are the cluster's to rotate (kubelet containerLogMaxSize)"), systemd: becomes("`daily` / `weekly` in the logrotate file, with `maxsize` instead of `size` so a large file still rotates") },
  { key: "logs.max_age", compose: dropped("Docker's json-file driver keeps max-file files whatever their age"), kubernetes: dropped("container logs are the cluster's to rotate (kubelet containerLogMaxFiles)"), systemd: becomes("`maxage` (whole days) in the logrotate file") },
  { key: "logs.max_total", compose: dropped("Docker's json-file driver bounds each container (max-size × max-file), not the stack"), kubernetes: dropped("container logs are the cluster's to rotate: each container's are bounded by containerLogMaxSize × containerLogMaxFiles"), systemd: dropped("the journal is bounded for the whole host by SystemMaxUse= in journald.conf; logrotate has no cap for a directory") },
  { key: "logs.files", compose: dropped("files the app writes inside its container are not rotated: log to stdout, which the json-file driver rotates"), kubernetes: dropped("files the app writes inside its container are not rotated: log to stdout, which the kubelet rotates"), systemd: becomes("a logrotate entry each: `copytruncate`, or `postrotate` sending the signal to the service's units (systemctl kill)") },
  { key: "alerts", compose: dropped("Compose sends no alerts: watch `docker events` or the containers' health from your monitoring"), kubernetes: dropped("Kubernetes sends no alerts: use the cluster's monitoring (e.g. Prometheus Alertmanager with kube-state-metrics)"), systemd: dropped("systemd sends no webhook: OnFailure= on the units can start a notifier you write") },
  { key: "alerts.webhook", compose: dropped("Compose sends no alerts: watch `docker events` or the containers' health from your monitoring"), kubernetes: dropped("Kubernetes sends no alerts: use the cluster's monitoring (e.g. Prometheus Alertmanager with kube-state-metrics)"), systemd: dropped("systemd sends no webhook: OnFailure= on the units can start a notifier you write") },
  { key: "alerts.on", compose: dropped("Compose sends no alerts: watch `docker events` or the containers' health from your monitoring"), kubernetes: dropped("Kubernetes sends no alerts: use the cluster's monitoring (e.g. Prometheus Alertmanager with kube-state-metrics)"), systemd: dropped("systemd sends no webhook: OnFailure= on the units can start a notifier you write") },
  { key: "proxy", compose: becomes("a `proxy` service running Caddy with a generated Caddyfile"), kubernetes: becomes("an Ingress (ingress-nginx conventions)"), systemd: becomes("an nginx site file (`nginx/<name>.conf`)") },
  { key: "proxy.hosts", compose: becomes("the Caddyfile's site addresses"), kubernetes: becomes("the Ingress rules' hosts"), systemd: becomes("server_name") },
  { key: "proxy.routes", compose: becomes("`handle` blocks with reverse_proxy to the service"), kubernetes: becomes("Ingress paths to the service's Service"), systemd: becomes("`location` blocks with proxy_pass") },
  { key: "proxy.routes.*", compose: becomes("one `handle` block"), kubernetes: becomes("one Ingress path"), systemd: becomes("one `location` block") },
  { key: "proxy.static", compose: becomes("`file_server` from a named volume the app and release services share"), kubernetes: dropped("static files are served by the app (e.g. WhiteNoise): the static prefixes route to the app's Service"), systemd: becomes("`location … { alias …; }` blocks") },
  { key: "proxy.static.*", compose: becomes("one `handle_path` block"), kubernetes: dropped("served by the app (e.g. WhiteNoise)"), systemd: becomes("one `location` block") },
  { key: "proxy.static.*.dir", compose: becomes("the directory inside the app image the volume is mounted at"), kubernetes: dropped("served by the app (e.g. WhiteNoise)"), systemd: becomes("the alias path") },
  { key: "proxy.static.*.allow_outside", compose: becomes("nothing more: the volume is mounted wherever the directory is"), kubernetes: dropped("served by the app (e.g. WhiteNoise)"), systemd: becomes("nothing more: nginx serves the path") },
  { key: "proxy.tls", compose: becomes("Caddy's TLS: `tls internal` (self-signed), automatic HTTPS (acme), `tls <cert> <key>` (files), http:// sites (off)"), kubernetes: becomes("the Ingress `tls:` with a cert-manager annotation (acme, self-signed) or a TLS Secret (files)"), systemd: becomes("ssl_certificate lines (files, self-signed: Debian's snakeoil certificate)") },
  { key: "proxy.tls.acme", compose: becomes("Caddy's automatic HTTPS"), kubernetes: becomes("`cert-manager.io/cluster-issuer: letsencrypt` (a ClusterIssuer you create)"), systemd: dropped("nginx does not obtain certificates: run certbot --nginx, then point ssl_certificate at its files") },
  { key: "proxy.tls.acme.email", compose: becomes("the Caddyfile's global `email`"), kubernetes: dropped("the ClusterIssuer's email, which you create"), systemd: dropped("certbot's --email") },
  { key: "proxy.tls.acme.directory", compose: becomes("the Caddyfile's global `acme_ca`"), kubernetes: dropped("the ClusterIssuer's server, which you create"), systemd: dropped("certbot's --server") },
  { key: "proxy.tls.cert", compose: becomes("the certificate mounted read-only in the proxy"), kubernetes: becomes("tls.crt of a TLS Secret (secretGenerator, copied 0600 beside the manifests)"), systemd: becomes("ssl_certificate") },
  { key: "proxy.tls.key", compose: becomes("the key mounted read-only in the proxy"), kubernetes: becomes("tls.key of a TLS Secret (secretGenerator, copied 0600 beside the manifests)"), systemd: becomes("ssl_certificate_key") },
  { key: "proxy.redirect_http", compose: becomes("Caddy's HTTP→HTTPS redirect (`auto_https disable_redirects` when false)"), kubernetes: becomes("`nginx.ingress.kubernetes.io/ssl-redirect`"), systemd: becomes("a port-80 server that redirects") },
  { key: "proxy.hsts", compose: becomes("a Strict-Transport-Security header"), kubernetes: dropped("HSTS is set in the ingress-nginx controller's ConfigMap (hsts, hsts-max-age)"), systemd: becomes("add_header Strict-Transport-Security") },
  { key: "proxy.trusted_proxies", compose: becomes("the Caddyfile's `trusted_proxies static …`"), kubernetes: dropped("set in the ingress-nginx controller's ConfigMap (proxy-real-ip-cidr)"), systemd: becomes("set_real_ip_from lines") },
  { key: "proxy.max_body_size", compose: becomes("`request_body { max_size }`"), kubernetes: becomes("`nginx.ingress.kubernetes.io/proxy-body-size`"), systemd: becomes("client_max_body_size") },
  { key: "proxy.upstream_timeout", compose: becomes("reverse_proxy's `response_header_timeout`"), kubernetes: becomes("`proxy-read-timeout` and `proxy-send-timeout` annotations (websockets too)"), systemd: becomes("proxy_read_timeout and proxy_send_timeout") },
  { key: "proxy.drain_timeout", compose: becomes("Caddy's `grace_period`"), kubernetes: dropped("terminationGracePeriodSeconds of the app pods bounds the drain"), systemd: dropped("nginx drains on reload by itself (worker_shutdown_timeout in nginx.conf)") },
  { key: "proxy.hold", compose: becomes("reverse_proxy's `lb_try_duration`: a request is retried on the replicas this long"), kubernetes: dropped("ingress-nginx answers 503 at once when the Service has no ready endpoint"), systemd: dropped("nginx answers 502 at once when no replica accepts the connection (proxy_next_upstream only tries the others)") },
  { key: "proxy.redirects", compose: becomes("`redir` in the Caddyfile: a site of its own per host, a `handle` per path prefix, before basic auth"), kubernetes: becomes("`from-to-www-redirect` for a www. twin; an Ingress with `permanent-redirect` or `temporal-redirect` per other host (path and query are lost, and reported); a path prefix is reported"), systemd: becomes("`return` in the nginx site: a server of its own per host, a regular-expression location per path prefix") },
  { key: "proxy.basic_auth", compose: becomes("`basicauth` in every `handle` of the Caddyfile; the proxy hashes the password (from `proxy.env`, 0600) when it starts"), kubernetes: becomes("`auth-type: basic` and `auth-secret` annotations; the `<name>-basic-auth` Secret from `basic-auth.htpasswd` (0600)"), systemd: becomes("auth_basic and auth_basic_user_file; `nginx/<name>.htpasswd` (0600, salted SHA-1)") },
  { key: "proxy.basic_auth.user", compose: becomes("the user in `basicauth`"), kubernetes: becomes("the user in `basic-auth.htpasswd`"), systemd: becomes("the user in the htpasswd file") },
  { key: "proxy.basic_auth.password_secret", compose: becomes("the variable of `proxy.env` (0600, git-ignored) that holds the password"), kubernetes: becomes("the password, hashed into `basic-auth.htpasswd` and kept in `proxy.env` (both 0600, git-ignored)"), systemd: becomes("the password, hashed into the htpasswd file and kept in `proxy.env` (both 0600, git-ignored)") },
  { key: "proxy.listen", compose: becomes("an `http://:<port>` site address, and the port published by the `proxy` service"), kubernetes: dropped("an Ingress serves ports 80 and 443 only: expose another port with a LoadBalancer or NodePort Service"), systemd: becomes("a `listen <port>;` line") },
  { key: "proxy.listen_tls", compose: becomes("a `<host>:<port>` site address with the stack's certificate, and the port published by the `proxy` service"), kubernetes: dropped("an Ingress serves ports 80 and 443 only: expose another port with a LoadBalancer or NodePort Service"), systemd: becomes("a `listen <port> ssl http2;` line") },
  { key: "build", compose: becomes("RUN layers of the generated Containerfile"), kubernetes: becomes("RUN layers of the generated Containerfile"), systemd: becomes("ExecStart= lines of the release unit, before the release commands") },
  { key: "build.commands", compose: becomes("RUN layers of the generated Containerfile"), kubernetes: becomes("RUN layers of the generated Containerfile"), systemd: becomes("ExecStart= lines of the release unit, before the release commands") },
  { key: "build.outputs", compose: dropped("the image holds what its build made"), kubernetes: dropped("the image holds what its build made"), systemd: dropped("the build runs in your checkout; its outputs stay there") },
  { key: "shared", compose: becomes("a named volume per path, mounted under /app"), kubernetes: becomes("a ReadWriteMany PVC per path, mounted under /app"), systemd: becomes("ReadWritePaths=") },
  { key: "keep_releases", compose: dropped("an image tag is a release: keep older tags to roll back"), kubernetes: becomes("revisionHistoryLimit of each Deployment"), systemd: dropped("releases are your checkouts: systemd runs the one in WorkingDirectory") },
  { key: "hooks", compose: dropped("run them yourself around `docker-compose up -d`"), kubernetes: dropped("run them yourself around `kubectl apply -k`"), systemd: dropped("run them yourself around `systemctl restart <name>.target`") },
  { key: "hooks.pre_deploy", compose: dropped("run them yourself before `docker-compose up -d`"), kubernetes: dropped("run them yourself before `kubectl apply -k`"), systemd: dropped("run them yourself before `systemctl restart <name>.target`") },
  { key: "hooks.post_deploy", compose: dropped("run them yourself after `docker-compose up -d`"), kubernetes: dropped("run them yourself after `kubectl apply -k`"), systemd: dropped("run them yourself after `systemctl restart <name>.target`") },
];

/** The row for a concrete key path such as ["services", "web", "health", "http"]. */
export function mappingFor(path: readonly PropertyKey[]): KeyMapping | undefined {
  return KEY_MAPPINGS.find((row) => matchesPattern(row.key, path));
}

export function fateOf(path: readonly PropertyKey[], target: ExportTarget): KeyFate | undefined {
  return mappingFor(path)?.[target];
}

function matchesPattern(pattern: string, path: readonly PropertyKey[]): boolean {
  const parts = pattern.split(".");
  return parts.length === path.length && parts.every((part, index) => part === "*" || part === String(path[index]));
}
