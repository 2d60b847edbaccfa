/**
 * Medusa v2's rule for `/store/*`: every request names a publishable API key in
 * `x-publishable-api-key`, checked before authentication (ensure-publishable-api-key.js), with
 * Medusa's 400 bodies. In front of Medusa the keys are Medusa's own (its `api_key` table).
 */
import fp from "fastify-plugin";
import { HttpError } from "../../errors.js";
import type { PublishableKeys } from "../../stores/types.js";

export const KEY_HEADER = "x-publishable-api-key";

const STORE_PATH = /^\/store(\/|$|\?)/i;

const missingKey = () =>
  new HttpError(
    400,
    "not_allowed",
    `Publishable API key required in the request header: ${KEY_HEADER}. You can manage your keys in settings in the dashboard.`,
  );
const invalidKey = () =>
  new HttpError(
    400,
    "not_allowed",
    "A valid publishable key is required to proceed with the request",
  );

export const publishableKey = fp<{ keys: PublishableKeys }>(
  async (fastify, { keys }) => {
    fastify.addHook("onRequest", async (request) => {
      if (request.method === "OPTIONS" || !STORE_PATH.test(request.url)) return;
      const key = request.headers[KEY_HEADER];
      if (typeof key !== "string" || key === "") throw missingKey();
      if (!(await keys.isValid(key))) throw invalidKey();
    });
  },
  { name: "gatehouse-publishable-key" },
);
