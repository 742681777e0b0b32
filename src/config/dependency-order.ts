import type { Service } from "./types.js";

/** Service name -> names it depends on. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

export interface DependencyCycle {
  /** The names around the cycle, first name repeated at the end: [a, b, a]. */
  names: string[];
  /** The edge that closes the cycle: `from` lists `to` in depends_on. */
  from: string;
  to: string;
}

/** Every cycle reachable in the graph, each reported once at the edge that closes it. */
export function findDependencyCycles(graph: DependencyGraph): DependencyCycle[] {
  const cycles: DependencyCycle[] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];

  const visit = (name: string): void => {
    state.set(name, "visiting");
    stack.push(name);
    for (const dependency of graph.get(name) ?? []) {
      if (!graph.has(dependency)) continue;
      const seen = state.get(dependency);
      if (seen === "visiting") {
        cycles.push({ names: [...stack.slice(stack.indexOf(dependency)), dependency], from: name, to: dependency });
      } else if (seen === undefined) {
        visit(dependency);
      }
    }
    stack.pop();
    state.set(name, "done");
  };

  for (const name of graph.keys()) {
    if (!state.has(name)) visit(name);
  }
  return cycles;
}

/** Services ordered so each comes after everything it depends on (file order otherwise). */
export function startOrder(services: readonly Service[]): Service[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const ordered: Service[] = [];
  const placed = new Set<string>();
  const place = (service: Service): void => {
    if (placed.has(service.name)) return;
    placed.add(service.name);
    for (const dependency of service.dependsOn) {
      const target = byName.get(dependency);
      if (target) place(target);
    }
    ordered.push(service);
  };
  services.forEach(place);
  return ordered;
}
