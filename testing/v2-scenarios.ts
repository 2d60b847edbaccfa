/**
 * Medusa v2's customer-auth API as a storefront sees it, written once and run against any base
 * URL: the real Medusa v2 (kind "medusa", test/gateway-v2/medusa-reference.once.test.ts, which
 * proves these scenarios describe v2 faithfully) and Gatehouse in v2 mode (kind "gatehouse"),
 * standalone or in front of that Medusa. Each scenario drives the real @medusajs/js-sdk 2.21.2
 * where the sdk has the call, and raw fetch where it has none (or to see headers and cookies).
 * Where Gatehouse deliberately differs from Medusa (docs/compatibility.md), a scenario runs for one
 * kind only: Gatehouse's behaviour, and Medusa's where it is cheap to show.
 * Every scenario makes its own customers (unique emails), so they run in any order.
 */
import { describe, it } from "node:test";
import { accountScenarios } from "./v2-scenarios/account.js";
import { differenceScenarios } from "./v2-scenarios/differences.js";
import { errorScenarios } from "./v2-scenarios/errors.js";
import type { V2Kind, V2Scenario, V2Target } from "./v2-storefront.js";

export { gatehouseTarget, type V2Kind, type V2Target } from "./v2-storefront.js";

export const v2Scenarios: V2Scenario[] = [
  ...accountScenarios,
  ...errorScenarios,
  ...differenceScenarios,
];

/**
 * Registers one test per scenario of `kind` in a `describe`. `target` is called when a test runs
 * (after the suite's `before` hooks; it may start what it needs itself). `todo` marks them as not
 * yet expected to pass.
 */
export function describeV2Scenarios(
  title: string,
  kind: V2Kind,
  target: () => V2Target | Promise<V2Target>,
  options: { todo?: string; skip?: string | false } = {},
): void {
  describe(title, () => {
    for (const scenario of v2Scenarios) {
      if (scenario.only && scenario.only !== kind) continue;
      it(scenario.name, { todo: options.todo, skip: options.skip || undefined }, async (t) => {
        const against = await target();
        if (scenario.commerce && !against.commerce) {
          t.skip("no store behind this target (cart → order needs Medusa's seeded store)");
          return;
        }
        return scenario.run(against);
      });
    }
  });
}
