import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { berthOk, makeHome, tempDir } from "../helpers/berth-cli.js";
import { assertSecretsOnlyInSecretFiles, listFiles } from "../helpers/export-project.js";
import { validateExportDirectory } from "../helpers/kubernetes-schemas.js";

// The other database choices (SQLite, MariaDB, a database berth does not run), a fixed port, a
// command list and TLS from files, through all three exports: each passes the check of its engine
// (docker-compose config, the Kubernetes schemas, systemd-analyze verify).

const run = promisify(execFile);

const VARIANTS: Record<string, string> = {
  sqlite: "database: { engine: sqlite, file: var/db.sqlite3 }\nbackup: { schedule: \"@daily\" }",
  mariadb: "database: { engine: mariadb, version: 10.11 }\nredis: true\nbackup: { schedule: \"*/30 * * * *\", keep: 2 }",
  external: "database: { url: \"${VARIANT_DATABASE_URL}\" }",
};

for (const [variant, database] of Object.entries(VARIANTS)) {
  test(`a stack on ${variant} exports to Compose, Kubernetes and systemd, each valid for its engine`, async (t) => {
    const project = tempDir(t, `berth-export-${variant}-`);
    mkdirSync(join(project, "public"));
    mkdirSync(join(project, "certs"));
    writeFileSync(join(project, "certs/cert.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    writeFileSync(join(project, "certs/key.pem"), "-----BEGIN PRIVATE KEY-----\nnot-a-real-key-but-secret-1234\n-----END PRIVATE KEY-----\n");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "shop", scripts: { start: "node server.js" } }));
    writeFileSync(join(project, "berth.yml"), `name: shop${variant}
${database}
secrets: [SESSION_SECRET]
services:
  web:
    command: npm run build-assets && node server.js
    port: 9000
    replicas: 3
    health: { tcp: true }
  mailer:
    command: node mailer.js
    restart: on-failure
proxy:
  hosts: [shop.example.org, "*.shop.example.org"]
  tls: { cert: certs/cert.pem, key: certs/key.pem }
  static: { /assets/: public }
  routes: { /: web }
`);
    const home = makeHome(t);
    const out = tempDir(t, `berth-export-${variant}-out-`);
    const env = { VARIANT_DATABASE_URL: "postgres://shop:an-external-password-123@db.internal:5432/shop" };

    await berthOk(["export", "compose", "--output", join(out, "compose")], { home, cwd: project, env });
    await run("docker-compose", ["config", "-q"], { cwd: join(out, "compose") });
    const compose = readFileSync(join(out, "compose/docker-compose.yml"), "utf8");
    assert.match(compose, /PORT: "9000"/);
    assert.match(readFileSync(join(out, "compose/Caddyfile"), "utf8"), /tls \/etc\/caddy\/certs\/cert\.pem \/etc\/caddy\/certs\/key\.pem/);
    const composeSecrets = listFiles(join(out, "compose")).filter((file) => /(^|\/)(secrets|postgres|mariadb|redis)\.env$/.test(file));
    assertSecretsOnlyInSecretFiles(join(out, "compose"), composeSecrets);

    await berthOk(["export", "kubernetes", "--output", join(out, "kubernetes")], { home, cwd: project, env });
    const kinds = await validateExportDirectory(join(out, "kubernetes"));
    assert.ok(kinds.has("Ingress"));
    if (variant === "mariadb") assert.ok(kinds.has("StatefulSet") && kinds.has("CronJob"));
    assertSecretsOnlyInSecretFiles(join(out, "kubernetes"), ["secrets.env", "tls.crt", "tls.key"]);
    assert.ok(!listFiles(join(out, "kubernetes")).some((file) => file !== "tls.key" && readFileSync(join(out, "kubernetes", file), "utf8").includes("not-a-real-key-but-secret-1234")), "the TLS key is only in tls.key");

    await berthOk(["export", "systemd", "--output", join(out, "systemd")], { home, cwd: project, env });
    const systemdDir = join(out, "systemd");
    const target = readFileSync(join(systemdDir, `shop${variant}.target`), "utf8");
    const instances = [...target.matchAll(/^Wants=(.+\.(?:service|timer))$/gm)].map((match) => join(systemdDir, match[1] ?? ""));
    assert.ok(instances.some((unit) => unit.endsWith(`shop${variant}-web@9002.service`)), "replica 3 of web listens on 9002");
    const verify = await run("systemd-analyze", ["verify", join(systemdDir, `shop${variant}.target`), ...instances], { cwd: systemdDir });
    assert.equal((verify.stdout + verify.stderr).trim(), "");
    assertSecretsOnlyInSecretFiles(systemdDir, [`shop${variant}-secrets.env`]);
  });
}
