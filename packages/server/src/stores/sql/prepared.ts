/**
 * Queries compiled once. Building and compiling a Kysely query costs more than running a simple
 * indexed lookup, so the hot-path queries are compiled at start with placeholder values, and each
 * call only swaps in its parameters and runs the statement straight on the driver
 * (`SqlRuntime.runCompiled`).
 */
import type { Compilable } from "kysely";
import type { SqlRuntime } from "./runtime.js";

const MARK = "\u0000gatehouse-parameter:";

/**
 * A placeholder for the i-th argument, typed as whatever the column needs (a cast: it is a marked
 * string). A Kysely plugin that rewrote parameters would break the swap.
 */
export const param = <T = string>(index: number) => `${MARK}${index}` as unknown as T;

let statements = 0;

/** `perTurn`: a write that may share a commit with the turn's other such writes (RunCompiled). */
export function prepare<Row, Args extends unknown[]>(
  runtime: SqlRuntime,
  build: () => Compilable<Row>,
  { perTurn = false } = {},
): (...args: Args) => Promise<Row[]> {
  const compiled = build().compile();
  const name = `gatehouse_${++statements}`;
  const slots = compiled.parameters.map((value) =>
    typeof value === "string" && value.startsWith(MARK) ? Number(value.slice(MARK.length)) : -1,
  );
  return (...args: Args) => {
    const parameters = compiled.parameters.map((value, i) =>
      slots[i]! >= 0 ? args[slots[i]!] : value,
    );
    return runtime.runCompiled<Row>(name, compiled.sql, parameters, perTurn);
  };
}
