/**
 * The bare node:http baseline: one process, no framework, no storage, answering every request
 * with the customer JSON Gatehouse sends for `GET /store/auth` (BENCH_BODY) and the same
 * Content-Type (BENCH_CONTENT_TYPE). Prints `{"port": …}` once listening.
 */
import { createServer } from "node:http";

const body = Buffer.from(process.env.BENCH_BODY ?? "{}", "utf8");
const contentType = process.env.BENCH_CONTENT_TYPE ?? "application/json; charset=utf-8";

const server = createServer((_request, response) => {
  response.writeHead(200, { "content-type": contentType, "content-length": body.length });
  response.end(body);
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
});
