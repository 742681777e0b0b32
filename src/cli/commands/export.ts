import type { Command } from "commander";
import { isAbsolute, relative, resolve } from "node:path";
import pc from "picocolors";
import { readSecretStore } from "../../config/secrets.js";
import { formatDiagnostic, UserError } from "../../errors.js";
import type { ExportTarget, PostgresMode } from "../../export/index.js";
import { stackPaths } from "../../util/paths.js";
import { globalOptions, loadStackFromOptions } from "../context.js";
import { printJson, printLine } from "../output.js";

const POSTGRES_MODES: readonly PostgresMode[] = ["external", "cloudnative-pg", "statefulset"];

interface ExportCommandOptions {
  output?: string;
  image: string[];
  strict?: boolean;
  postgres: string;
  autoscale: string[];
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .argument("<target>", "compose, kubernetes or systemd")
    .description("write the stack as Docker Compose, Kubernetes or systemd files, reporting what each cannot express (see docs/export.md)")
    .option("-o, --output <dir>", "where to write the files (default: export/<target> beside berth.yml)")
    .option("--image <name=ref>", "use an existing image: app=REF instead of building one, postgres=, mariadb=, redis=, caddy=, kubectl= to replace defaults (repeatable)", collect, [])
    .option("--strict", "fail, writing nothing, when berth.yml has keys the target cannot express")
    .option("--postgres <mode>", "kubernetes: external (a DATABASE_URL you give), cloudnative-pg or statefulset", "external")
    .option("--autoscale <service=min-max>", "kubernetes: a HorizontalPodAutoscaler for a service, e.g. web=2-10 (repeatable)", collect, [])
    .action(async (target: string, options: ExportCommandOptions, command: Command) => {
      const { EXPORT_TARGETS, IMAGE_NAMES, exportStack, writeExport, refuseUnexpressed, toDiagnostics, collectSecretValues, readPreviousSecrets, secretFileNames } = await import("../../export/index.js");
      if (!EXPORT_TARGETS.includes(target as ExportTarget)) {
        throw new UserError(`unknown export target "${target}"`, { hint: `write one of: ${EXPORT_TARGETS.join(", ")}` });
      }
      if (!POSTGRES_MODES.includes(options.postgres as PostgresMode)) {
        throw new UserError(`unknown --postgres mode "${options.postgres}"`, { hint: `write one of: ${POSTGRES_MODES.join(", ")}` });
      }
      const images = parseImages(options.image, IMAGE_NAMES);
      if (target === "systemd" && options.image.length > 0) throw new UserError("--image is for berth export compose and kubernetes: systemd runs the app from its directory");
      const global = globalOptions(command);
      const stack = await loadStackFromOptions(global);
      const exportTarget = target as ExportTarget;
      const autoscale = parseAutoscale(options.autoscale, stack.services.map((service) => service.name), exportTarget);
      const output = resolve(options.output ?? resolve(stack.root, "export", exportTarget));
      const secrets = collectSecretValues(stack, { previous: readPreviousSecrets(output, secretFileNames(stack.name)), store: readSecretStore(stackPaths(stack.name).secrets) });
      const shownFile = shortPath(stack.file);
      const result = exportStack(stack, exportTarget, { images, secrets, postgres: options.postgres as PostgresMode, outputDirectory: output, autoscale }, shownFile);
      if (options.strict) refuseUnexpressed(exportTarget, result.unexpressed);
      const written = writeExport(output, result.files, Object.values(secrets).filter((value) => value.length >= 8));
      if (global.json) {
        return printJson({
          target: exportTarget,
          output,
          files: written,
          unexpressed: result.unexpressed.map((item) => ({ key: item.path.join("."), location: item.location ?? null, instead: item.instead })),
          notes: [...result.notes, ...contextNote(stack.root, output, exportTarget)],
        });
      }
      printLine(`${pc.green("exported")} ${stack.name} to ${exportTarget} in ${shortPath(output)} (${written.length} files; secret files are 0600 and git-ignored)`);
      if (result.unexpressed.length > 0) {
        printLine(pc.yellow(`${result.unexpressed.length} key${result.unexpressed.length === 1 ? "" : "s"} of ${shownFile} cannot be expressed in ${exportTarget} (--strict makes this an error):`));
        for (const diagnostic of toDiagnostics(result.unexpressed)) printLine(`  ${formatDiagnostic(diagnostic)}`);
      }
      for (const note of [...result.notes, ...contextNote(stack.root, output, exportTarget)]) printLine(`${pc.cyan("next:")} ${note}`);
    });
}

/** An export inside the project would be copied into the image by `COPY . .`, secret files included. */
function contextNote(root: string, output: string, target: ExportTarget): string[] {
  const inside = relative(root, output);
  if (target === "systemd" || inside.startsWith("..") || isAbsolute(inside)) return [];
  return [`the output is inside the project: add /${inside.split("\\").join("/")} to .dockerignore so its secret files stay out of the image`];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseAutoscale(entries: readonly string[], services: readonly string[], target: ExportTarget): Record<string, { min: number; max: number }> {
  if (entries.length > 0 && target !== "kubernetes") throw new UserError(`--autoscale is for berth export kubernetes, not ${target}`);
  const autoscale: Record<string, { min: number; max: number }> = {};
  for (const entry of entries) {
    const match = /^([a-z][a-z0-9-]*)=(\d+)-(\d+)$/.exec(entry);
    const [min, max] = [Number(match?.[2]), Number(match?.[3])];
    if (!match || !services.includes(match[1] ?? "") || min < 1 || max < min) {
      throw new UserError(`--autoscale ${entry}: expected SERVICE=MIN-MAX with a service of berth.yml (${services.join(", ")}) and 1 ≤ MIN ≤ MAX`, { hint: "write e.g. --autoscale web=2-10" });
    }
    autoscale[match[1] ?? ""] = { min, max };
  }
  return autoscale;
}

function parseImages(entries: readonly string[], names: readonly string[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const entry of entries) {
    const [name, ...rest] = entry.split("=");
    const ref = rest.join("=");
    if (!name || !ref || !names.includes(name)) {
      throw new UserError(`--image ${entry}: expected NAME=REF with NAME one of ${names.join(", ")}`, { hint: "write e.g. --image app=registry.local/pixel:1.4" });
    }
    images[name] = ref;
  }
  return images;
}

function shortPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere && !fromHere.startsWith("..") && !isAbsolute(fromHere) ? fromHere : path;
}
