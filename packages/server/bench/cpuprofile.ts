/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, self
 * time per package, and the functions with the most total (inclusive) time.
 *
 *   node --import tsx packages/server/bench/cpuprofile.ts FILE.cpuprofile [--top 25] [--last SECONDS]
 *     [--match REGEX] [--json]
 *
 * --last keeps only the final seconds of the profile (the measured load, without start-up and
 * seeding); --match also prints the inclusive time of every function whose name or location
 * matches.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  where: string;
  group: string;
  ms: number;
  percent: number;
}

export interface Summary {
  totalMs: number;
  /** Time outside (idle): the event loop waiting. */
  idleMs: number;
  busyMs: number;
  self: Entry[];
  groups: Entry[];
  inclusive: Entry[];
  /** Inclusive time of the functions `match` selected. */
  matched: Entry[];
}

const SPECIAL = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

/** `node_modules/fastify/lib/x.js` → `fastify`; Gatehouse's own code → `gatehouse`. */
function groupOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName;
  const url = frame.url;
  if (url === "") return "(native/V8 builtins)";
  if (url.startsWith("node:")) return "node (core)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.includes("/packages/server/")) return "gatehouse";
  return url;
}

function whereOf(frame: CallFrame): string {
  if (!frame.url) return "";
  let url = frame.url.replace(/^file:\/\//, "");
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) url = url.slice(modules + "/node_modules/".length);
  const server = url.indexOf("/packages/server/");
  if (server !== -1) url = url.slice(server + 1);
  return `${url}:${frame.lineNumber + 1}`;
}

export interface SummaryOptions {
  top?: number;
  /** Only the final seconds of the profile. */
  lastSec?: number;
  /** Also report the inclusive time of the functions whose name or location matches. */
  match?: RegExp;
}

export function summarise(profile: CpuProfile, options: SummaryOptions = {}): Summary {
  const top = options.top ?? 25;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const keyOf = (frame: CallFrame) =>
    `${frame.functionName || "(anonymous)"}\u0000${whereOf(frame)}\u0000${groupOf(frame)}`;

  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const matched = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  // Each sample's time is the delta that follows it (the last sample gets its own delta).
  const deltas = profile.timeDeltas;
  const startUs =
    options.lastSec === undefined ? -Infinity : profile.endTime - options.lastSec * 1e6;
  let clockUs = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    clockUs += deltas[i]!;
    const us = i + 1 < deltas.length ? deltas[i + 1]! : deltas[i]!;
    const node = byId.get(profile.samples[i]!);
    if (!node || us <= 0 || clockUs < startUs) continue;
    totalUs += us;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    const key = keyOf(frame);
    self.set(key, (self.get(key) ?? 0) + us);
    const group = groupOf(frame);
    groups.set(group, (groups.get(group) ?? 0) + us);
    // Inclusive: every distinct function on the sample's stack, once.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const current = byId.get(id)!;
      if (current.callFrame.functionName === "(root)") break;
      const k = keyOf(current.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      if (options.match?.test(k.replaceAll("\u0000", " "))) {
        matched.set(k, (matched.get(k) ?? 0) + us);
      }
    }
  }
  const busyUs = totalUs - idleUs;
  const entries = (map: Map<string, number>, limit: number): Entry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([key, us]) => {
        const [name, where, group] = key.split("\u0000");
        return {
          name: name!,
          where: where ?? "",
          group: group ?? name!,
          ms: us / 1000,
          percent: busyUs > 0 ? (us / busyUs) * 100 : 0,
        };
      });
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    self: entries(self, top),
    groups: [...groups.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        where: "",
        group: name,
        ms: us / 1000,
        percent: busyUs > 0 ? (us / busyUs) * 100 : 0,
      })),
    inclusive: entries(inclusive, top),
    matched: entries(matched, Infinity),
  };
}

function print(summary: Summary): void {
  const line = (entry: Entry) =>
    `${entry.ms.toFixed(0).padStart(8)} ms ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}${
      entry.where ? `  (${entry.where})` : ""
    }`;
  console.log(
    `Profile: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${(summary.busyMs / 1000).toFixed(1)} s busy ` +
      `(${((summary.busyMs / summary.totalMs) * 100).toFixed(0)}%), ${(summary.idleMs / 1000).toFixed(1)} s idle. ` +
      "Percentages are of busy time.",
  );
  console.log("\nSelf time by function");
  for (const entry of summary.self) console.log(line(entry));
  console.log("\nSelf time by package");
  for (const entry of summary.groups) console.log(line(entry));
  console.log("\nTotal (inclusive) time by function");
  for (const entry of summary.inclusive) console.log(line(entry));
  if (summary.matched.length > 0) {
    console.log("\nTotal (inclusive) time of the matching functions");
    for (const entry of summary.matched) console.log(line(entry));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: "string", default: "25" },
      last: { type: "string" },
      match: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 1) {
    console.error(
      "Usage: cpuprofile.ts FILE.cpuprofile [--top N] [--last SECONDS] [--match REGEX] [--json]",
    );
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0]!, "utf8")) as CpuProfile;
  const summary = summarise(profile, {
    top: Number(values.top),
    ...(values.last !== undefined && { lastSec: Number(values.last) }),
    ...(values.match !== undefined && { match: new RegExp(values.match) }),
  });
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else print(summary);
}
