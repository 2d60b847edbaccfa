/** The key per-address limits count a client under (IPv6 by prefix, IPv4-mapped as IPv4). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientKey } from "../../src/services/client-key.js";

describe("clientKey", () => {
  it("keeps IPv4 addresses as they are", () => {
    assert.equal(clientKey("203.0.113.7", 64), "203.0.113.7");
  });

  it("keys IPv6 addresses by their /64, whatever the spelling", () => {
    const key = "2001:db8:1:2/64";
    for (const address of [
      "2001:db8:1:2::a",
      "2001:db8:1:2::b",
      "2001:0db8:0001:0002:ffff:ffff:ffff:ffff",
      "2001:DB8:1:2:0:0:0:1",
      "2001:db8:1:2::1%eth0",
    ]) {
      assert.equal(clientKey(address, 64), key, address);
    }
    assert.equal(clientKey("2001:db8:1:3::a", 64), "2001:db8:1:3/64");
    assert.equal(clientKey("::1", 64), "0:0:0:0/64");
    assert.equal(clientKey("fe80::1", 64), "fe80:0:0:0/64");
  });

  it("applies other prefix lengths, including ones inside a group", () => {
    assert.equal(clientKey("2001:db8:abcd:ef12::1", 48), "2001:db8:abcd/48");
    assert.equal(clientKey("2001:db8:abcd:ef12::1", 56), "2001:db8:abcd:ef00/56");
    assert.equal(clientKey("2001:db8:abcd:ef12::1", 32), "2001:db8/32");
    assert.equal(clientKey("2001:db8::1:2:3:4", 128), "2001:db8:0:0:1:2:3:4/128");
    assert.equal(clientKey("2001:db8::5", 127), "2001:db8:0:0:0:0:0:4/127");
  });

  it("keys IPv4-mapped IPv6 addresses by their IPv4 address, in either notation", () => {
    assert.equal(clientKey("::ffff:198.51.100.7", 64), "198.51.100.7");
    assert.equal(clientKey("::ffff:c633:6407", 64), "198.51.100.7");
    assert.equal(clientKey("0:0:0:0:0:ffff:198.51.100.7", 64), "198.51.100.7");
    // Not mapped: an embedded IPv4 address elsewhere is an ordinary IPv6 address.
    assert.equal(clientKey("64:ff9b::198.51.100.7", 128), "64:ff9b:0:0:0:0:c633:6407/128");
  });

  it("leaves anything that is not an IP address as it is", () => {
    assert.equal(clientKey("unix-socket", 64), "unix-socket");
    assert.equal(clientKey("", 64), "");
  });

  it("parses a long address in linear time", () => {
    const long = `${"1:".repeat(50_000)}:1`;
    const started = performance.now();
    assert.equal(clientKey(long, 64), long);
    assert.ok(performance.now() - started < 1000);
  });
});
