/**
 * compose.yaml, as far as a machine without a Docker daemon can check it: parsed as YAML, its
 * services wired as docs/deployment.md says (health-checked dependencies, the environment the
 * server reads, PostgreSQL's volume, required secrets), and, when a compose CLI is installed,
 * accepted by `docker compose config`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { parse } from "yaml";

const exec = promisify(execFile);
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const text = await readFile(join(root, "compose.yaml"), "utf8");
const compose = parse(text);
const { gatehouse, postgres, redis } = compose.services;

/** The compose CLI on this machine: `docker compose` (v2), `docker-compose` (v1), or none. */
async function composeCli(): Promise<string[] | undefined> {
  for (const command of [["docker", "compose"], ["docker-compose"]]) {
    const works = await exec(command[0]!, [...command.slice(1), "version"]).then(
      () => true,
      () => false,
    );
    if (works) return command;
  }
  return undefined;
}

describe("compose.yaml", () => {
  it("builds Gatehouse from the Dockerfile and starts it after healthy PostgreSQL and Redis", () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ["gatehouse", "postgres", "redis"]);
    assert.equal(gatehouse.build, ".");
    assert.deepEqual(gatehouse.depends_on, {
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    assert.deepEqual(postgres.healthcheck.test.slice(0, 2), ["CMD", "pg_isready"]);
    assert.deepEqual(redis.healthcheck.test, ["CMD", "redis-cli", "ping"]);
    // Gatehouse's own health check is the image's HEALTHCHECK (dockerfile.once.test.ts).
    assert.equal(gatehouse.healthcheck, undefined);
    // Docker's SIGKILL must not come before SHUTDOWN_TIMEOUT (10 s) has run out.
    assert.ok(Number.parseInt(gatehouse.stop_grace_period) > 10, gatehouse.stop_grace_period);
    assert.match(text, /^ {2}# medusa:$/m, "the commented Medusa service");
  });

  it("gives the server production settings it reads, with the secrets required", async () => {
    const config = await readFile(join(root, "packages/server/src/config.ts"), "utf8");
    const env = gatehouse.environment as Record<string, string>;
    for (const name of Object.keys(env)) assert.ok(config.includes(`"${name}"`), name);
    assert.equal(env.NODE_ENV, "production");
    for (const name of ["COOKIE_SECRET", "JWT_SECRET"])
      assert.equal(env[name], `\${${name}:?set ${name}}`);
    const database = new URL(env.DATABASE_URL!.replace(/\$\{[^}]*\}/, "password"));
    assert.equal(database.hostname, "postgres");
    assert.equal(database.pathname, `/${postgres.environment.POSTGRES_DB}`);
    assert.equal(database.username, postgres.environment.POSTGRES_USER);
    assert.equal(new URL(env.REDIS_URL!).hostname, "redis");
    assert.deepEqual(gatehouse.ports, ["127.0.0.1:9000:9000"]);
  });

  it("keeps PostgreSQL's data in a named volume and Redis without persistence", () => {
    assert.deepEqual(postgres.volumes, ["postgres-data:/var/lib/postgresql/data"]);
    assert.ok("postgres-data" in compose.volumes);
    assert.equal(redis.volumes, undefined);
    assert.deepEqual(redis.command.slice(1), ["--save", "", "--appendonly", "no"]);
  });

  it("is accepted by the compose CLI, which refuses it without the secrets", async (t) => {
    const cli = await composeCli();
    if (!cli) return t.skip("no docker compose or docker-compose on this machine");
    const [command, ...args] = cli;
    const run = (env: Record<string, string>) =>
      exec(command!, [...args, "-f", join(root, "compose.yaml"), "config", "-q"], {
        env: { PATH: process.env.PATH ?? "", ...env },
      });
    const secrets = { POSTGRES_PASSWORD: "p", COOKIE_SECRET: "c", JWT_SECRET: "j" };
    await run(secrets);
    await assert.rejects(run({ ...secrets, JWT_SECRET: "" }), /set JWT_SECRET/);
  });
});
