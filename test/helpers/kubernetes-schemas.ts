import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { listFiles } from "./export-project.js";

// Offline validation of exported manifests against the Kubernetes API's JSON schemas, as the npm
// package kubernetes-models carries them.

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: any };

/** Kinds that come from operators (CloudNativePG, cert-manager), whose schemas kubernetes-models does not carry. */
const CUSTOM_KINDS = new Set(["postgresql.cnpg.io/v1 Cluster", "cert-manager.io/v1 Issuer"]);

export async function validateManifest(manifest: Manifest): Promise<void> {
  const [group, version] = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/") : [undefined, manifest.apiVersion];
  const module = (await import(`kubernetes-models/${group ? `${group}/` : ""}${version}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[manifest.kind];
  assert.ok(Model, `kubernetes-models has ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest).validate();
}

/** Validates every manifest kustomization.yaml lists (and checks it lists every one); returns their kinds. */
export async function validateExportDirectory(output: string): Promise<Set<string>> {
  const kustomization = parse(readFileSync(join(output, "kustomization.yaml"), "utf8")) as { resources: string[] };
  const manifests = listFiles(output).filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml");
  assert.deepEqual([...kustomization.resources].sort(), manifests.sort(), "kustomization.yaml lists every manifest");
  const kinds = new Set<string>();
  for (const file of manifests) {
    const manifest = parse(readFileSync(join(output, file), "utf8")) as Manifest;
    kinds.add(manifest.kind);
    if (CUSTOM_KINDS.has(`${manifest.apiVersion} ${manifest.kind}`)) continue;
    await assert.doesNotReject(validateManifest(manifest), `${output}: ${file}`);
  }
  return kinds;
}
