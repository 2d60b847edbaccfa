/**
 * The v2 scenarios (testing/v2-scenarios.ts), kind "gatehouse", against a standalone Gatehouse in
 * v2 mode (MEDUSA_VERSION=2): identities and customers in Gatehouse's own tables, publishable keys
 * from PUBLISHABLE_API_KEYS. There is no store behind it, so cart → order is skipped.
 */
import { describe } from "node:test";
import { useServer } from "../../../../testing/fixture.js";
import { describeV2Scenarios, gatehouseTarget } from "../../../../testing/v2-scenarios.js";

/** A publishable key of Medusa's shape (pk_ + 64 hex), listed in PUBLISHABLE_API_KEYS. */
const PUBLISHABLE_KEY = `pk_${"5eed".repeat(16)}`;

describe("Medusa v2's Store Auth API, standalone", () => {
  const app = useServer({
    env: { MEDUSA_VERSION: "2", PUBLISHABLE_API_KEYS: PUBLISHABLE_KEY },
  });
  describeV2Scenarios("the v2 scenarios", "gatehouse", () =>
    gatehouseTarget(app.server, { publishableKey: PUBLISHABLE_KEY, commerce: false }),
  );
});
