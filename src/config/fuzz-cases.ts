import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

// Generated berth.yml files for fuzz.test.ts: hostile families (aliases, nesting, interpolation,
// sizes, NUL, types, keys, files) and random byte-level mutations of valid files. Deterministic
// for a given seed, so a failure is reproduced by running the test with the printed seed.

export interface FuzzCase {
  family: string;
  text: string | Buffer;
  /** The environment `${VAR}` sees. */
  env: NodeJS.ProcessEnv;
}

/** Names of things in the fixture directory the cases point at (created by the test). */
export const FIXTURE = Object.freeze({
  envFile: ".env",
  bigEnvFile: "big.env",
  manyKeysEnvFile: "many.env",
  nulEnvFile: "nul.env",
  prototypeEnvFile: "proto.env",
  fifo: "pipe.fifo",
  directory: "app",
  plainFile: "plain.txt",
  outsideLink: "outside-link",
});

/** mulberry32: small, fast and good enough to drive a fuzzer reproducibly. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (below: number): number => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[integer(items.length)]!;
  return { next, integer, pick, chance: (probability: number) => next() < probability };
}

export type Random = ReturnType<typeof createRandom>;

const VALID_FILES: string[] = [
  readFileSync(fileURLToPath(new URL("../../../examples/hello/berth.yml", import.meta.url)), "utf8"),
  [
    "name: pixel",
    "env_file: .env",
    "env: { DJANGO_DEBUG: \"0\", HOSTS: \"${APP_HOST:-pixel.example.org}\" }",
    "secrets: [SECRET_KEY]",
    "database: { engine: postgres, version: 15, extensions: [pg_trgm] }",
    "redis: true",
    'backup: { schedule: "0 3 * * *", keep: 7 }',
    "release:",
    "  - python manage.py migrate --noinput",
    "services:",
    "  web:",
    "    command: gunicorn pixel.wsgi --bind 127.0.0.1:$PORT --workers 2",
    "    cwd: app",
    "    replicas: 2",
    "    health: { http: /accounts/login/, interval: 2s, timeout: 2s, start_period: 30s }",
    "  worker: { command: celery -A pixel worker, depends_on: [web] }",
    "  beat:",
    "    command: celery -A pixel beat",
    "    replicas: 1",
    "    stop_grace: 1m30s",
    "proxy:",
    "  hosts: [pixel.example.org, \"*.pixel.example.org\"]",
    "  tls: self-signed",
    "  static: { /static/: public/static, /media/: { dir: public/media } }",
    "  routes: { /: web }",
    "logs: { max_size: 10MB, keep: 5, compress: true }",
    "",
  ].join("\n"),
  [
    "services:",
    "  api:",
    "    command: node server.js",
    "    port: 8000",
    "    env:",
    "      NODE_ENV: production",
    "      WORKERS: 4",
    "    health:",
    "      command: ./bin/check",
    "      retries: 5",
    "",
  ].join("\n"),
  [
    "env: &env { A: \"1\", B: \"2\" }",
    "database: sqlite",
    "services:",
    "  web: { command: \"python3 -m http.server $PORT\", env: *env, restart: on-failure }",
    "  job: { command: ./job, port: false, restart: \"no\" }",
    "proxy: { hosts: [localhost], tls: off, max_body_size: 1MB, hsts: false }",
    "",
  ].join("\n"),
];

const SPECIAL_BYTES = [..."\0:-{}[]&*!'\"\n\t #%@`|>?$,\\"].map((character) => character.charCodeAt(0));

/** One generated file of the given family. */
export function generateCase(family: string, random: Random): FuzzCase {
  const generator = FAMILIES[family];
  if (!generator) throw new Error(`unknown fuzz family ${family}`);
  return { family, env: {}, ...generator(random) };
}

const SERVICES = "services:\n  web: { command: ./run }\n";

const FAMILIES: Record<string, (random: Random) => Omit<FuzzCase, "family" | "env"> & { env?: NodeJS.ProcessEnv }> = {
  aliases(random) {
    const uses = random.pick([10, 99, 100, 101, 1000, 5000]);
    if (random.chance(0.4)) {
      const levels = 2 + random.integer(9);
      const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
      for (let level = 1; level < levels; level += 1) {
        lines.push(`a${level}: &a${level} [${Array.from({ length: 10 }, () => `*a${level - 1}`).join(", ")}]`);
      }
      return { text: `env: { LAUGHS: *a${levels - 1} }\n${lines.map((line) => `x-${line}`).join("\n")}\n${SERVICES}` };
    }
    if (random.chance(0.05)) {
      // Many distinct anchors, each aliased once: yaml's own toJS() takes seconds on this.
      const count = 20_000;
      const anchors = Array.from({ length: count }, (_, index) => `&a${index} v`).join(", ");
      return { text: `x-a: [${anchors}]\nx-b: [${Array.from({ length: count }, (_, index) => `*a${index}`).join(", ")}]\n${SERVICES}` };
    }
    if (random.chance(0.3)) {
      return { text: `services:\n  web: &web { command: ./run, depends_on: [*web] }\n` };
    }
    if (random.chance(0.3)) {
      return { text: `secrets: [*missing]\n${SERVICES}` };
    }
    const items = Array.from({ length: uses }, () => "*v").join(", ");
    return { text: `x: &v SECRET\nsecrets: [${items}]\n${SERVICES}` };
  },

  nesting(random) {
    const depth = random.pick([20, 33, 100, 1000, 10_000, 100_000]);
    switch (random.integer(4)) {
      case 0:
        return { text: `env: ${"[".repeat(depth)}${"]".repeat(random.chance(0.5) ? depth : 0)}\n${SERVICES}` };
      case 1:
        return { text: `env: ${"{a: ".repeat(depth)}1${"}".repeat(depth)}\n${SERVICES}` };
      case 2:
        return { text: `${SERVICES}release:\n  ${"- ".repeat(depth)}x\n` };
      default: {
        const levels = Math.min(depth, 700);
        return { text: `${SERVICES}${Array.from({ length: levels }, (_, index) => `${" ".repeat(index)}k${index}:`).join("\n")} v\n` };
      }
    }
  },

  interpolation(random) {
    const depth = random.pick([1, 5, 8, 9, 50, 1000, 20_000]);
    const env: NodeJS.ProcessEnv = random.chance(0.5) ? { A: "value" } : {};
    switch (random.integer(5)) {
      case 0:
        return { env, text: `services:\n  web: { command: "${"${MISSING:-".repeat(depth)}x${"}".repeat(depth)}" }\n` };
      case 1:
        return { env, text: `services:\n  web: { command: "${"${MISSING:-".repeat(depth)}" }\n` };
      case 2:
        return { env, text: `services:\n  web:\n    command: ${"${A}".repeat(depth)}\n` };
      case 3:
        return { env, text: `env: { X: "${"${".repeat(depth)}${"}".repeat(depth)}" }\n${SERVICES}` };
      default:
        return { env, text: `services:\n  web: { command: "${"{".repeat(depth)}${"${NOPE:?".repeat(random.integer(12))}", replicas: "\${R:-2}" }\n` };
    }
  },

  huge(random) {
    const size = random.pick([1_000, 100_000, 600_000, 1_100_000]);
    switch (random.integer(5)) {
      case 0:
        return { text: `services:\n  web: { command: "${"x".repeat(size)}" }\n` };
      case 1:
        return { text: `env:\n  ? "${"K".repeat(size)}"\n  : v\n${SERVICES}` };
      case 2:
        return { text: `env:\n  ${"K".repeat(Math.min(size, 5000))}: v\n${SERVICES}` };
      case 3: {
        const count = Math.min(Math.floor(size / 10), 20_000);
        return { text: `env:\n${Array.from({ length: count }, (_, index) => `  K${index}: v${index}`).join("\n")}\n${SERVICES}` };
      }
      default: {
        const count = Math.min(Math.floor(size / 20), 2_000);
        const names = Array.from({ length: count }, (_, index) => `s${index}`);
        const services = names.map((name, index) => `  ${name}: { command: x, depends_on: [${names[(index + 1) % count]}] }`);
        return { text: `services:\n${services.join("\n")}\n` };
      }
    }
  },

  nul(random) {
    const nul = random.chance(0.5) ? "\\0" : "\0";
    const quoted = (text: string) => (nul === "\\0" ? `"${text}"` : text);
    return {
      text: random.pick([
        `services:\n  web: { command: ${quoted(`./run${nul}--evil`)} }\n`,
        `env:\n  ${quoted(`KEY${nul}`)}: v\n${SERVICES}`,
        `env:\n  KEY: ${quoted(`va${nul}lue`)}\n${SERVICES}`,
        `services:\n  web: { command: ./run, cwd: ${quoted(`app${nul}`)} }\n`,
        `env_file: ${quoted(`.env${nul}`)}\n${SERVICES}`,
        `${SERVICES}proxy: { hosts: [localhost], static: { /s/: ${quoted(`public${nul}`)} } }\n`,
        `name: ${quoted(`x${nul}`)}\n${SERVICES}`,
      ]),
    };
  },

  "wrong types"(random) {
    const document = structuredClone(BASE_OBJECT);
    const paths = collectPaths(document);
    for (let count = 1 + random.integer(3); count > 0; count -= 1) {
      setAt(document, random.pick(paths), randomValue(random));
    }
    return { text: random.chance(0.5) ? stringify(document) : stringify(document, { collectionStyle: "flow" }) };
  },

  "unknown keys"(random) {
    const document = structuredClone(BASE_OBJECT);
    const maps = collectPaths(document).filter((path) => isPlainObject(getAt(document, path)));
    for (let count = 1 + random.integer(4); count > 0; count -= 1) {
      const target = getAt(document, random.pick(maps)) as Record<string, unknown>;
      target[random.pick(["replica", "servces", "comand", "hsts_max", "x", "Env", "", " ", "0", "-", "<<"])] = randomValue(random);
    }
    return { text: stringify(document) };
  },

  "prototype keys"(random) {
    const key = random.pick(["__proto__", "constructor", "prototype", '"__proto__"']);
    return {
      text: random.pick([
        `env: { ${key}: x }\n${SERVICES}`,
        `services:\n  ${key}: { command: x }\n  web: { command: y }\n`,
        `${key}: { polluted: true }\n${SERVICES}`,
        `services:\n  web: { command: x, env: { ${key}: { a: 1 } } }\n`,
        `${SERVICES}proxy: { hosts: [localhost], static: { ${key}: public } }\n`,
        `${SERVICES}proxy: { hosts: [localhost], routes: { /: web, ${key}: web } }\n`,
        `env_file: ${FIXTURE.prototypeEnvFile}\n${SERVICES}`,
      ]),
    };
  },

  "env files"(random) {
    const file = random.pick([
      "/dev/zero",
      "/dev/null",
      "/dev/urandom",
      FIXTURE.fifo,
      FIXTURE.directory,
      "missing.env",
      FIXTURE.bigEnvFile,
      FIXTURE.manyKeysEnvFile,
      FIXTURE.nulEnvFile,
      FIXTURE.envFile,
      `${FIXTURE.plainFile}/x`,
      "/",
      "${ENV_FILE:-.env}",
    ]);
    return { text: `env_file: ${random.chance(0.5) ? file : `[${FIXTURE.envFile}, "${file}"]`}\n${SERVICES}` };
  },

  cwd(random) {
    const cwd = random.pick([FIXTURE.directory, FIXTURE.plainFile, "missing", `${FIXTURE.plainFile}/sub`, "/", "..", "x".repeat(5000), "/dev/null"]);
    return { text: `services:\n  web: { command: ./run, cwd: "${cwd}" }\n` };
  },

  replicas(random) {
    const replicas = random.pick(["100000000", "-1", "1.5", "65", "64", "0", "1e9", ".inf", ".nan", "-0", "0x40", "\"2\"", "9007199254740993", "~"]);
    return { text: `services:\n  web: { command: ./run, replicas: ${replicas}, port: ${random.pick(["auto", "65000", "1"])} }\n` };
  },

  schedules(random) {
    const schedule = random.pick([
      "* * * * * *",
      "* * * * *",
      "*/5 * * * *",
      "*/15 * * * *",
      "0,1 3 * * *",
      "0 3 * * *",
      "@hourly",
      "@daily",
      "0 0 31 2 *",
      "0 0 29 2 1",
      "not cron",
      "",
      "* * * * * * *",
      "0 0 L * *",
      "59 23 31 12 *",
      "0 0 * * 5#5",
      "*/1 */1 */1 */1 */1",
    ]);
    return { text: `backup: { schedule: "${schedule}", keep: ${random.pick(["7", "0", "-1", "1.5"])} }\n${SERVICES}` };
  },

  "static roots"(random) {
    const directory = random.pick(["public", "/", "//", "/etc", "..", ".", "./", "../x", "public/../..", FIXTURE.outsideLink, "/srv/media", "~", "public/./static"]);
    const entry = random.chance(0.4)
      ? `{ dir: "${directory}", allow_outside: ${random.pick(["true", "false", "yes", "1"])} }`
      : random.chance(0.1)
        ? `{ dir: "${directory}", extra: 1 }`
        : `"${directory}"`;
    return { text: `${SERVICES}proxy:\n  hosts: [localhost]\n  static: { ${random.pick(["/static/", "/", "/s", "static", "/a b/"])}: ${entry} }\n` };
  },

  "token soup"(random) {
    const pieces = ["[", "]", "{", "}", "- ", ": ", ", ", "&a ", "*a", "&b ", "*b", "!!str ", "!!map ", "!x ", '"', "'", "\n", "\n  ", "  ", "#", "|\n", ">-\n", "? ", "${A", "${A:-", "}", "---\n", "...\n", "%TAG ! tag:x,2000:\n", "\\", "services", "web", "command", "env", "replicas", "1", "-1", "0x1F", ".nan", "~", "null", "true", "\t", "\0", "\ufeff", "<<: ", "@", "`"];
    let text = random.chance(0.5) ? "services:\n  web:\n    command: x\n" : "";
    for (let count = random.integer(200); count > 0; count -= 1) text += random.pick(pieces);
    return { text, env: { A: "1" } };
  },

  mutation(random) {
    let bytes: Buffer = Buffer.from(random.pick(VALID_FILES));
    for (let count = 1 + random.integer(4); count > 0; count -= 1) bytes = mutate(bytes, random);
    return { text: bytes, env: { APP_HOST: "example.org" } };
  },
};

export const FAMILY_NAMES = Object.keys(FAMILIES);

function mutate(bytes: Buffer, random: Random): Buffer {
  const at = random.integer(bytes.length + 1);
  switch (random.integer(5)) {
    case 0: {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[Math.min(at, copy.length - 1)] = random.chance(0.7) ? random.pick(SPECIAL_BYTES) : random.integer(256);
      return copy;
    }
    case 1:
      return bytes.subarray(0, at);
    case 2: {
      const end = Math.min(bytes.length, at + random.integer(200));
      const slice = bytes.subarray(at, end);
      const times = random.chance(0.1) ? 200 : 1 + random.integer(3);
      return Buffer.concat([bytes.subarray(0, end), ...Array.from({ length: times }, () => slice), bytes.subarray(end)]);
    }
    case 3:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + random.integer(40)))]);
    default:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(random.pick(["\n  ", "\t", ": ", "- ", "&a ", "*a", "!!str ", "? ", "---\n", "%YAML 1.1\n", "${X", "}", "<<: *a\n"])), bytes.subarray(at)]);
  }
}

const BASE_OBJECT: Record<string, unknown> = {
  name: "fuzz",
  env_file: FIXTURE.envFile,
  env: { DEBUG: "0", WORKERS: 2 },
  secrets: ["SECRET_KEY"],
  database: { engine: "postgres", extensions: ["pg_trgm"] },
  redis: true,
  backup: { schedule: "0 3 * * *", keep: 3 },
  release: ["python manage.py migrate"],
  services: {
    web: {
      command: "gunicorn app.wsgi --bind 127.0.0.1:$PORT",
      cwd: FIXTURE.directory,
      replicas: 2,
      port: "auto",
      health: { http: "/health", interval: "2s", timeout: "1s", retries: 3, start_period: "10s" },
      restart: "always",
      stop_grace: "10s",
      env: { MODE: "web" },
    },
    worker: { command: "celery -A app worker", depends_on: ["web"] },
  },
  logs: { max_size: "10MB", keep: 5, compress: true },
  proxy: {
    hosts: ["example.org"],
    routes: { "/": "web" },
    static: { "/static/": "public", "/media/": { dir: "media", allow_outside: false } },
    tls: { acme: { email: "ops@example.org" } },
    redirect_http: true,
    hsts: "365d",
    trusted_proxies: ["10.0.0.2"],
    max_body_size: "64MB",
    upstream_timeout: "60s",
    drain_timeout: "30s",
  },
};

function randomValue(random: Random): unknown {
  return random.pick<() => unknown>([
    () => null,
    () => true,
    () => -1,
    () => 0.5,
    () => 1e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => "",
    () => "two",
    () => "${UNSET}",
    () => "x".repeat(random.integer(3000)),
    () => [],
    () => [1, "a", null],
    () => ({}),
    () => ({ nested: { deeper: [1] } }),
  ])();
}

type Path = (string | number)[];

function collectPaths(value: unknown, path: Path = []): Path[] {
  const paths: Path[] = [path];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...collectPaths(item, [...path, index])));
  else if (isPlainObject(value)) for (const [key, item] of Object.entries(value)) paths.push(...collectPaths(item, [...path, key]));
  return paths;
}

function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (current, segment) => (current !== null && typeof current === "object" ? (current as Record<string | number, unknown>)[segment] : undefined),
    value,
  );
}

function setAt(value: Record<string, unknown>, path: Path, replacement: unknown): void {
  if (path.length === 0) return;
  const parent = getAt(value, path.slice(0, -1)) as Record<string | number, unknown> | undefined;
  if (parent !== null && typeof parent === "object") parent[path.at(-1)!] = replacement;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
