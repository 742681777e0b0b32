import { spawn, type ChildProcess } from "node:child_process";
import { promises as dns } from "node:dns";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { issueLeafCertificate, loadOrCreateLocalCa } from "../../src/proxy/local-ca.js";

// Let's Encrypt's test ACME server, Debian package `pebble` (binaries pebble and
// pebble-challtestsrv), run on 127.0.0.1 only. Validation is real: pebble fetches
// http://<name>:<httpPort>/.well-known/acme-challenge/<token>, and pebble-challtestsrv is its DNS
// server, answering every A query with 127.0.0.1 (and no AAAA), so any test name reaches the
// caller's responder on loopback. Pebble's own HTTPS certificate comes from a throwaway CA that
// the tests trust explicitly.

export interface Pebble {
  directoryUrl: string;
  /** Trust these for the directory's (and the management API's) HTTPS. */
  caCertificates: string[];
  /** Pebble's issuing root, regenerated on every start (management API /roots/0). */
  rootCertificate(): Promise<string>;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  /** The port pebble's validator connects to for HTTP-01 (where the test's responder listens). */
  httpPort: number;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** Starts pebble and its DNS; they are stopped when the test ends. */
export async function startPebble(t: TestContext, options: PebbleOptions): Promise<Pebble> {
  const directory = mkdtempSync(join(tmpdir(), "berth-pebble-"));
  const [acmePort, managementPort, tlsPort, dnsPort, dnsManagementPort] = (await freePorts(5)) as [number, number, number, number, number];
  const tls = await issueLeafCertificate(await loadOrCreateLocalCa(join(directory, "trust")), ["localhost"]);
  writeFileSync(join(directory, "cert.pem"), tls.certPem);
  writeFileSync(join(directory, "key.pem"), tls.keyPem);
  writeFileSync(
    join(directory, "pebble-config.json"),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: join(directory, "cert.pem"),
        privateKey: join(directory, "key.pem"),
        httpPort: options.httpPort,
        // Nothing listens here: berth only answers http-01, and the port must not be someone else's.
        tlsPort,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  const caPem = tls.certPem.slice(tls.certPem.indexOf("-----BEGIN CERTIFICATE-----", 1));
  const processes: Started[] = [];
  const stop = async () => {
    await Promise.all(processes.map(stopProcess));
    rmSync(directory, { recursive: true, force: true });
  };
  t.after(stop);

  const challengeDns = start("pebble-challtestsrv", [
    "-defaultIPv4", "127.0.0.1",
    "-defaultIPv6", "",
    "-dns01", `127.0.0.1:${dnsPort}`,
    "-management", `127.0.0.1:${dnsManagementPort}`,
    "-http01", "",
    "-https01", "",
    "-tlsalpn01", "",
  ]);
  processes.push(challengeDns);
  await waitUntilReady(challengeDns, "pebble-challtestsrv's DNS", () => resolvesToLoopback(dnsPort));

  // PEBBLE_VA_ALWAYS_VALID must stay unset: the tests need pebble to really fetch the challenge.
  const { PEBBLE_VA_ALWAYS_VALID: _alwaysValid, ...environment } = process.env;
  const pebble = start("pebble", ["-config", join(directory, "pebble-config.json"), "-dnsserver", `127.0.0.1:${dnsPort}`], {
    ...environment,
    PEBBLE_VA_NOSLEEP: "1",
  });
  processes.push(pebble);
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  await waitUntilReady(pebble, "pebble's directory", async () => (await httpsGet(directoryUrl, caPem)).includes("newOrder"));

  return {
    directoryUrl,
    caCertificates: [caPem],
    rootCertificate: () => httpsGet(`https://127.0.0.1:${managementPort}/roots/0`, caPem),
    stop,
  };
}

interface Started {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", (error) => {
      output += (error as NodeJS.ErrnoException).code === "ENOENT" ? `${command} is not installed (Debian: apt-get install pebble)\n` : `${error.message}\n`;
      resolve();
    });
  });
  return { name: command, child, output: () => output, exited };
}

/** Polls `check` until it is true; fails at once, with the process's output, if the process exits. */
async function waitUntilReady(started: Started, what: string, check: () => Promise<boolean>): Promise<void> {
  let exited = false;
  void started.exited.then(() => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "";
  while (!exited && Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reason = exited ? "exited before it was ready" : `was not ready within ${READY_TIMEOUT_MS} ms`;
  throw new Error(`${started.name} ${reason} (waiting for ${what}${lastError ? `: ${lastError}` : ""})\n${started.output()}`);
}

async function stopProcess(started: Started): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null || started.child.pid === undefined) return;
  started.child.kill("SIGTERM");
  const timer = setTimeout(() => started.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await started.exited;
  clearTimeout(timer);
}

async function resolvesToLoopback(dnsPort: number): Promise<boolean> {
  const resolver = new dns.Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${dnsPort}`]);
  return (await resolver.resolve4("readiness.berth.test")).includes("127.0.0.1");
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${response.statusCode}`))));
    });
    request.setTimeout(2_000, () => request.destroy(new Error(`${url}: timeout`)));
    request.on("error", reject);
  });
}

/** Ports the kernel just handed out on 127.0.0.1; free again when returned (a small race, fine on a test machine). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
