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

/**
 * Every cycle reachable in the graph, each reported once at the edge that closes it. Iterative, so
 * a chain of thousands of services cannot exhaust the call stack.
 */
export function findDependencyCycles(graph: DependencyGraph): DependencyCycle[] {
  const cycles: DependencyCycle[] = [];
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const positionInPath = new Map<string, number>();

  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    const frames: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, "visiting");
    positionInPath.set(start, path.push(start) - 1);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const dependencies = graph.get(frame.name) ?? [];
      if (frame.next >= dependencies.length) {
        frames.pop();
        path.pop();
        positionInPath.delete(frame.name);
        state.set(frame.name, "done");
        continue;
      }
      const dependency = dependencies[frame.next++]!;
      if (!graph.has(dependency)) continue;
      const seen = state.get(dependency);
      if (seen === "visiting") {
        cycles.push({ names: [...path.slice(positionInPath.get(dependency)), dependency], from: frame.name, to: dependency });
      } else if (seen === undefined) {
        state.set(dependency, "visiting");
        positionInPath.set(dependency, path.push(dependency) - 1);
        frames.push({ name: dependency, next: 0 });
      }
    }
  }
  return cycles;
}

/** Services ordered so each comes after everything it depends on (file order otherwise). */
export function startOrder(services: readonly Service[]): Service[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const ordered: Service[] = [];
  const placed = new Set<string>();
  for (const first of services) {
    if (placed.has(first.name)) continue;
    placed.add(first.name);
    const frames: { service: Service; next: number }[] = [{ service: first, next: 0 }];
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      if (frame.next >= frame.service.dependsOn.length) {
        frames.pop();
        ordered.push(frame.service);
        continue;
      }
      const target = byName.get(frame.service.dependsOn[frame.next++]!);
      if (target && !placed.has(target.name)) {
        placed.add(target.name);
        frames.push({ service: target, next: 0 });
      }
    }
  }
  return ordered;
}
