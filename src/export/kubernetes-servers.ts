import type { KubernetesContext, KubernetesObject } from "./kubernetes.js";
import { postgresInitSql, imageFor } from "./servers.js";

// The database and Redis for the Kubernetes export. PostgreSQL is an external DATABASE_URL by
// default (a managed database is what a cluster usually has), a CloudNativePG Cluster with
// `--postgres cloudnative-pg`, or a single-pod StatefulSet with `--postgres statefulset`, which has
// no failover or backups of its own and suits small setups only.

type EnvVar = Record<string, unknown>;

export interface DatabaseObjects {
  objects: KubernetesObject[];
  /** Env entries for the app's containers (a DATABASE_URL read from another Secret). */
  appEnv: EnvVar[];
  /** Env entries the backup CronJob needs to reach the server. */
  backupEnv: EnvVar[];
  notes: string[];
}

export function databaseObjects(context: KubernetesContext): DatabaseObjects {
  const { stack, options, labels, secretName } = context;
  const name = stack.name;
  const database = stack.database;
  const fromSecret = (variable: string, secret: string, key: string): EnvVar => ({ name: variable, valueFrom: { secretKeyRef: { name: secret, key } } });
  if (database.engine === "postgres" && options.postgres === "cloudnative-pg") {
    const initSql = postgresInitSql(database.extensions);
    const cluster: KubernetesObject = {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: `${name}-db`, labels },
      spec: {
        instances: 1,
        ...(database.version !== null ? { imageName: `ghcr.io/cloudnative-pg/postgresql:${database.version}` } : {}),
        storage: { size: "5Gi" },
        bootstrap: { initdb: { database: name, owner: name, ...(initSql ? { postInitApplicationSQL: initSql.trim().split("\n") } : {}) } },
      },
    };
    return {
      objects: [cluster],
      appEnv: [fromSecret("DATABASE_URL", `${name}-db-app`, "uri")],
      backupEnv: [{ name: "PGHOST", value: `${name}-db-rw` }, { name: "PGUSER", value: name }, { name: "PGDATABASE", value: name }, fromSecret("POSTGRES_PASSWORD", `${name}-db-app`, "password")],
      notes: ["PostgreSQL: a CloudNativePG Cluster (install the operator first); DATABASE_URL comes from its <name>-db-app Secret"],
    };
  }
  if (database.engine === "postgres" && options.postgres === "external") {
    return { objects: [], appEnv: [], backupEnv: [], notes: ["PostgreSQL: set DATABASE_URL in secrets.env to your database (or export with --postgres cloudnative-pg | statefulset)"] };
  }
  if (database.engine === "postgres" || database.engine === "mariadb") {
    const isPostgres = database.engine === "postgres";
    const server = isPostgres ? "postgres" : "mariadb";
    const selector = { "app.kubernetes.io/name": `${name}-${server}` };
    const initSql = isPostgres ? postgresInitSql(database.extensions) : null;
    const objects: KubernetesObject[] = [];
    if (initSql) objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-postgres-init`, labels }, data: { "extensions.sql": initSql } });
    const env = isPostgres
      ? [{ name: "POSTGRES_USER", value: name }, { name: "POSTGRES_DB", value: name }, fromSecret("POSTGRES_PASSWORD", secretName, "POSTGRES_PASSWORD"), { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }]
      : [{ name: "MARIADB_USER", value: name }, { name: "MARIADB_DATABASE", value: name }, fromSecret("MARIADB_PASSWORD", secretName, "MARIADB_PASSWORD"), fromSecret("MARIADB_ROOT_PASSWORD", secretName, "MARIADB_ROOT_PASSWORD")];
    const dataPath = isPostgres ? "/var/lib/postgresql/data" : "/var/lib/mysql";
    const port = isPostgres ? 5432 : 3306;
    objects.push(
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: `${name}-${server}`, labels: { ...labels, ...selector }, annotations: { "berth.export/fit-for": "small setups only: one pod, no failover, no point-in-time recovery" } },
        spec: {
          serviceName: `${name}-${server}`,
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels: { ...labels, ...selector } },
            spec: {
              containers: [{
                name: server,
                image: imageFor(server, stack, options),
                env,
                ports: [{ name: server, containerPort: port }],
                readinessProbe: { exec: { command: isPostgres ? ["pg_isready", "-U", name, "-d", name, "-h", "127.0.0.1"] : ["healthcheck.sh", "--connect", "--innodb_initialized"] }, periodSeconds: 5 },
                volumeMounts: [{ name: "data", mountPath: dataPath }, ...(initSql ? [{ name: "init", mountPath: "/docker-entrypoint-initdb.d" }] : [])],
              }],
              ...(initSql ? { volumes: [{ name: "init", configMap: { name: `${name}-postgres-init` } }] } : {}),
            },
          },
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } } }],
        },
      },
      { apiVersion: "v1", kind: "Service", metadata: { name: `${name}-${server}`, labels }, spec: { selector, ports: [{ name: server, port, targetPort: port }] } },
    );
    return {
      objects,
      appEnv: [],
      backupEnv: isPostgres ? [{ name: "PGHOST", value: `${name}-postgres` }, { name: "PGUSER", value: name }, { name: "PGDATABASE", value: name }] : [],
      notes: [`${isPostgres ? "PostgreSQL" : "MariaDB"}: a one-pod StatefulSet, fit for small setups only (no failover)`],
    };
  }
  return { objects: [], appEnv: [], backupEnv: [], notes: [] };
}

export function redisObjects(context: KubernetesContext): KubernetesObject[] {
  const { stack, options, labels, secretName } = context;
  const name = `${stack.name}-redis`;
  const selector = { "app.kubernetes.io/name": name };
  return [
    { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, labels }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, labels: { ...labels, ...selector } },
      spec: {
        replicas: 1,
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            containers: [{
              name: "redis",
              image: imageFor("redis", stack, options),
              command: ["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes --dir /data --protected-mode no'],
              env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "REDIS_PASSWORD" } } }],
              ports: [{ name: "redis", containerPort: 6379 }],
              readinessProbe: { exec: { command: ["sh", "-c", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'] }, periodSeconds: 5 },
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            }],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: name } }],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name, labels }, spec: { selector, ports: [{ name: "redis", port: 6379, targetPort: 6379 }] } },
  ];
}
