import type { Command } from "commander";
import { X509Certificate } from "node:crypto";
import pc from "picocolors";
import { loadOrCreateLocalCa } from "../../proxy/local-ca.js";
import { berthHome } from "../../util/paths.js";
import { globalOptions } from "../context.js";
import { printJson, printLine, printProgress } from "../output.js";

export function registerCa(program: Command): void {
  program
    .command("ca")
    .description("show where berth's local CA certificate is and how to trust it (for `tls: self-signed`)")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const ca = await loadOrCreateLocalCa(berthHome());
      if (ca.newlyCreated) printProgress(`created berth's local CA in ${ca.paths.directory}`);
      if (global.json) return printJson({ certificate: ca.paths.certificate });
      printTrustInstructions(ca.paths.certificate, new X509Certificate(ca.certPem));
    });
}

function printTrustInstructions(file: string, certificate: X509Certificate): void {
  const name = /CN=([^\n]+)/.exec(certificate.subject)?.[1] ?? certificate.subject;
  const expires = new Date(Date.parse(certificate.validTo)).toISOString().slice(0, 10);
  const rows: [string, string][] = [
    ["Debian/Ubuntu", `sudo cp ${file} /usr/local/share/ca-certificates/berth.crt && sudo update-ca-certificates`],
    ["Firefox", `Settings › Privacy & Security › Certificates › View Certificates › Authorities › Import… ${file}, trust it for websites`],
    ["Chrome (Linux)", `certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n berth -i ${file}   (package libnss3-tools)`],
    ["curl", `curl --cacert ${file} https://<host>/`],
    ["Node.js", `NODE_EXTRA_CA_CERTS=${file} node …`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  printLine(`${pc.bold("berth's local CA certificate:")} ${file}`);
  printLine(pc.dim(`  ${name}, valid until ${expires}`));
  printLine();
  printLine("Stacks with `tls: self-signed` (the default) serve certificates issued by this CA.");
  printLine("Trust it once on each machine that visits them:");
  printLine();
  for (const [label, how] of rows) printLine(`  ${label.padEnd(width)}  ${how}`);
  printLine();
  printLine(pc.dim("Copy only ca.crt to other machines; ca.key stays here, readable by you alone."));
}
