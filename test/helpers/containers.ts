import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { waitFor } from "./berth-cli.js";

// Real containers for the export tests: Debian's podman (rootful, runc), its Docker-compatible API
// socket for Debian's docker-compose, and one base image built from a Debian bookworm root
// filesystem (mmdebstrap, from the machine's apt sources) since no image registry is reachable.
// The image serves as the app's base and as the PostgreSQL, Redis and Caddy images; it is built
// once and cached across runs, keyed by a hash of what goes into it.

const run = promisify(execFile);

export const BASE_PACKAGES = [
  // libjs-jquery: Django's admin static files are symbolic links into it.
  "caddy", "gunicorn", "libjs-jquery", "postgresql", "procps", "python3-celery", "python3-dj-database-url", "python3-django",
  "python3-psycopg2", "python3-redis", "redis-server",
];

const CACHE_DIR = process.env.BERTH_TEST_IMAGE_CACHE ?? "/var/cache/berth-test-images";

// What the official postgres image's entrypoint does, for the contract the export relies on:
// POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, /docker-entrypoint-initdb.d/*.sql on first start.
const ENTRYPOINT = `#!/bin/sh
set -e
if [ "$1" = "postgres" ]; then
  shift
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)
  PGDATA=\${PGDATA:-/var/lib/postgresql/data}
  mkdir -p "$PGDATA" /run/postgresql
  chown -R postgres:postgres "$PGDATA" /run/postgresql
  chmod 700 "$PGDATA"
  as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    printf '%s' "$POSTGRES_PASSWORD" > /run/postgresql/pwfile
    chown postgres /run/postgresql/pwfile
    as_postgres "$PGBIN/initdb" -D "$PGDATA" -U "\${POSTGRES_USER:-postgres}" --pwfile=/run/postgresql/pwfile --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm /run/postgresql/pwfile
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    if [ -n "$POSTGRES_DB" ] && [ "$POSTGRES_DB" != postgres ]; then
      as_postgres "$PGBIN/psql" -h /run/postgresql -U "\${POSTGRES_USER:-postgres}" -d postgres -c "CREATE DATABASE \\"$POSTGRES_DB\\""
    fi
    for f in /docker-entrypoint-initdb.d/*.sql; do
      [ -e "$f" ] && as_postgres "$PGBIN/psql" -h /run/postgresql -U "\${POSTGRES_USER:-postgres}" -d "\${POSTGRES_DB:-postgres}" -f "$f"
    done
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/postgres" -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/run/postgresql "$@"
fi
exec "$@"
`;

const CONTAINERS_CONF = `[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
[network]
network_backend = "netavark"
`;

/**
 * The containers.conf podman needs here; its path goes in CONTAINERS_CONF. It lives beside the
 * image cache, not in a test's temporary directory, which is removed before the last cleanups run.
 */
export function writeContainersConf(): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, "containers.conf");
  writeFileSync(path, CONTAINERS_CONF);
  return path;
}

export function podmanEnv(containersConf: string, socket?: string): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: containersConf, ...(socket ? { DOCKER_HOST: `unix://${socket}` } : {}) };
}

export async function podman(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<string> {
  const { stdout } = await run("podman", args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The base image's tag, building it (about a minute on a cold cache) when it is not there yet. */
export async function ensureBaseImage(env: NodeJS.ProcessEnv): Promise<string> {
  const packagesHash = createHash("sha256").update(BASE_PACKAGES.join("\n")).digest("hex").slice(0, 12);
  const imageHash = createHash("sha256").update(packagesHash).update(ENTRYPOINT).digest("hex").slice(0, 12);
  const tag = `localhost/berth-test-base:${imageHash}`;
  const exists = () => run("podman", ["image", "exists", tag], { env }).then(() => true, () => false);
  if (await exists()) return tag;
  mkdirSync(CACHE_DIR, { recursive: true });
  // Test files run in parallel: one builds, the others wait for its image.
  const lock = join(CACHE_DIR, `building-${imageHash}.lock`);
  if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
  try {
    mkdirSync(lock);
  } catch {
    await waitFor(async () => !existsSync(lock) && (await exists()), `the base image ${tag}, built by another test file`, 1_200_000);
    return tag;
  }
  try {
    await buildBaseImage(tag, packagesHash, imageHash, env);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return tag;
}

async function buildBaseImage(tag: string, packagesHash: string, imageHash: string, env: NodeJS.ProcessEnv): Promise<void> {
  const rootfs = join(CACHE_DIR, `rootfs-${packagesHash}.tar`);
  if (!existsSync(rootfs)) {
    const partial = `${rootfs}.${process.pid}.partial`;
    await runQuietly("mmdebstrap", ["--variant=apt", `--include=${BASE_PACKAGES.join(",")}`, "--format=tar", "bookworm", partial], 900_000);
    renameSync(partial, rootfs);
  }
  // The entrypoint is appended to a copy of the root filesystem, so the package download is
  // cached apart from the script, which changes more often.
  const work = join(CACHE_DIR, `image-${imageHash}.${process.pid}`);
  mkdirSync(join(work, "usr/local/bin"), { recursive: true });
  try {
    writeFileSync(join(work, "usr/local/bin/docker-entrypoint.sh"), ENTRYPOINT, { mode: 0o755 });
    const tar = `${work}.tar`;
    await run("cp", [rootfs, tar]);
    await run("tar", ["--append", "--file", tar, "--owner=0", "--group=0", "-C", work, "./usr/local/bin/docker-entrypoint.sh"]);
    await run("podman", ["import", "--change", 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]', "--change", 'CMD ["bash"]', tar, tag], { env, timeout: 600_000 });
    rmSync(tar, { force: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A long command with no terminal and no stdin, so no package script waits for an answer. */
function runQuietly(command: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, timeout: timeoutMs });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolvePromise() : reject(new Error(`${command} exited ${code}: ${stderr}`))));
  });
}

/** podman's Docker-compatible API on a socket of its own, stopped when the test ends. */
export async function startPodmanService(t: TestContext, dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const socket = join(dir, "podman.sock");
  const child: ChildProcess = spawn("podman", ["system", "service", "--time=0", `unix://${socket}`], { env, stdio: "ignore" });
  t.after(() => {
    child.kill("SIGTERM");
  });
  await waitFor(() => existsSync(socket), "podman's API socket", 60_000);
  return socket;
}

export async function dockerCompose(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ stdout: string; stderr: string }> {
  return run("docker-compose", args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
}

/** Removes a Compose project's containers, volumes and network with podman itself (the API service may be gone already). */
export async function removeComposeProject(project: string, env: NodeJS.ProcessEnv): Promise<void> {
  const label = `label=com.docker.compose.project=${project}`;
  const ids = (await podman(["ps", "-aq", "--filter", label], env).catch(() => "")).split("\n").filter(Boolean);
  if (ids.length > 0) await podman(["rm", "-f", "-t", "2", ...ids], env).catch(() => "");
  const volumes = (await podman(["volume", "ls", "-q", "--filter", label], env).catch(() => "")).split("\n").filter(Boolean);
  if (volumes.length > 0) await podman(["volume", "rm", "-f", ...volumes], env).catch(() => "");
  await podman(["network", "rm", "-f", `${project}_default`], env).catch(() => "");
}

/**
 * Runs `docker-compose up -d` while running the project's health checks: podman runs them only
 * from systemd timers, which this machine does not have, so `service_healthy` would wait forever.
 */
export async function composeUpWithHealthChecks(project: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<void> {
  let done = false;
  const up = dockerCompose(["up", "-d"], options).finally(() => {
    done = true;
  });
  const pump = (async () => {
    while (!done) {
      const names = (await podman(["ps", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.Names}}"], options.env).catch(() => "")).split("\n").filter(Boolean);
      await Promise.all(names.map((name) => run("podman", ["healthcheck", "run", name], { env: options.env, timeout: 30_000 }).catch(() => undefined)));
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
    }
  })();
  try {
    await up;
  } catch (error) {
    // "Container … exited with code 1" alone says nothing: add what the exited containers printed.
    done = true;
    await pump;
    throw new Error(`${(error as Error).message}\n${await exitedContainerLogs(project, options.env)}`);
  } finally {
    done = true;
    await pump;
  }
}

async function exitedContainerLogs(project: string, env: NodeJS.ProcessEnv): Promise<string> {
  const names = (await podman(["ps", "-a", "--filter", `label=com.docker.compose.project=${project}`, "--filter", "status=exited", "--format", "{{.Names}}"], env).catch(() => "")).split("\n").filter(Boolean);
  const logs = await Promise.all(
    names.map(async (name) => {
      const printed = await run("podman", ["logs", "--tail", "40", name], { env, timeout: 30_000 }).then(({ stdout, stderr }) => stdout + stderr, (failure: Error) => failure.message);
      return `--- ${name} (last 40 lines)\n${printed}`;
    }),
  );
  return logs.join("\n");
}
