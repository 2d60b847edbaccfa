/**
 * The v2 scenarios (testing/v2-scenarios.ts) against the real Medusa v2 (2.21) itself, kind
 * "medusa": what makes them a faithful description of the API Gatehouse's v2 mode speaks. Runs
 * once, not per backend: nothing of Gatehouse is involved.
 */
import { medusaResetToken, medusaV2Skip, testMedusaV2 } from "../../../../testing/medusa-v2.js";
import { describeV2Scenarios } from "../../../../testing/v2-scenarios.js";

describeV2Scenarios(
  "the v2 scenarios against the real Medusa v2",
  "medusa",
  () => {
    const medusa = testMedusaV2();
    return {
      kind: "medusa",
      baseUrl: medusa.url,
      publishableKey: medusa.publishableKey,
      resetToken: medusaResetToken,
      commerce: true,
    };
  },
  { skip: medusaV2Skip },
);
