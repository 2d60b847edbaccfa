/**
 * The framework reference: Fastify with the plugins and hooks every Gatehouse request passes
 * through (cookie parsing, CORS, the Host/shutdown and security-header hooks, responses written
 * once per turn of the event loop, schema-compiled serialization of the same response schema),
 * answering `GET /store/auth` with the customer JSON Gatehouse sends (BENCH_BODY) and doing
 * nothing else: no session, no storage. The distance between this and the bare node:http server
 * is the cost of the framework with Gatehouse's hooks. Prints `{"port": …}`.
 */
import Fastify from "fastify";
import cookie from "@fastify/cookie";
import cors from "@fastify/cors";
import { Type } from "@sinclair/typebox";
import { writeResponsesPerTurn } from "../src/http/plugins/write-per-turn.js";
import { Address, CustomerWithOrders } from "../src/http/schemas/responses.js";

const body = JSON.parse(process.env.BENCH_BODY ?? "{}") as unknown;
const allowed = (process.env.BENCH_STORE_CORS ?? "http://localhost:8000").split(",");

const app = Fastify({ logger: false, requestTimeout: 30_000 });
await app.register(cookie);
await app.register(cors, {
  origin: (origin, callback) => callback(null, origin !== undefined && allowed.includes(origin)),
  credentials: true,
  methods: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"],
  maxAge: 600,
  strictPreflight: false,
});
app.addSchema(Address);
app.addHook("onRequest", (request, _reply, done) => {
  if (request.headers.host === undefined && request.raw.httpVersion === "1.1") {
    return done(new Error("The Host header is required (HTTP/1.1)"));
  }
  done();
});
app.addHook("onSend", (_request, reply, payload, done) => {
  reply.header("x-content-type-options", "nosniff");
  if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
  done(null, payload);
});
writeResponsesPerTurn(app);
app.get(
  "/store/auth",
  { schema: { response: { 200: Type.Object({ customer: CustomerWithOrders }) } } },
  async () => body,
);

await app.listen({ port: 0, host: "127.0.0.1" });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`,
);
process.once("SIGTERM", () => void app.close());
