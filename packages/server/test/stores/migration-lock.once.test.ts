/** Several instances starting together on one fresh PostgreSQL database never race on migrations. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createBackend } from "../../../../testing/backend.js";
import { client, register } from "../../../../testing/http.js";
import { startServer, uniqueEmail } from "../../../../testing/server.js";

describe("migrations at start", () => {
  it("four instances starting at once on an empty database all come up, sharing one schema", async () => {
    const backend = await createBackend("postgres");
    try {
      const servers = await Promise.all(
        Array.from({ length: 4 }, () => startServer({ env: backend.env })),
      );
      try {
        const email = uniqueEmail();
        const { cookie } = await register(servers[0]!.url, email);
        for (const server of servers) {
          assert.equal((await client(server.url).get("/store/auth", { cookie })).status, 200);
        }
        const migrated = servers.filter((server) =>
          server.logs.some((line) => line.msg === "database migrated"),
        );
        assert.equal(migrated.length, 1, "exactly one instance applied the migrations");
      } finally {
        await Promise.all(servers.map((server) => server.stop()));
      }
    } finally {
      await backend.drop();
    }
  });
});
