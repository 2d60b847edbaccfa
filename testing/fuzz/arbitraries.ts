/** The generators: hostile bodies, paths, headers, credentials, bursts and raw bytes. */
import fc from "fast-check";
import { BODY_LIMIT } from "./settings.js";
import {
  Obj,
  identityOf,
  Raw,
  obj,
  pct,
  rawPathText,
  toJson,
  type Accounts,
  type FuzzRequest,
  type Mutation,
} from "./requests.js";
import { API_ROUTES, METHODS, type ApiVersion, type BodyKind, type Route } from "./routes.js";

/** How a v1 body kind is spelled in v2 mode (for generators written with v1's kinds). */
const V2_KIND: Partial<Record<BodyKind, BodyKind>> = {
  login: "emailpass",
  register: "registerV2",
  profile: "profileV2",
  addAddress: "addressV2",
  address: "addressV2",
  passwordToken: "resetPassword",
  passwordReset: "updatePassword",
};

/**
 * The generators, over the suite's customers (`accounts`) and the fuzzed server's `url`; `api` 2
 * generates Medusa v2 mode's routes and bodies, with `publishableKey` among the keys tried.
 */
export function makeArbitraries(
  accounts: Accounts,
  url: string,
  { api = 1, publishableKey = "" }: { api?: ApiVersion; publishableKey?: string } = {},
) {
  const { A, B, C, D, E } = accounts;
  const v2 = api === 2;
  const ROUTES = API_ROUTES[api];
  const BODY_ROUTES = ROUTES.filter((route) => route.body);
  /** The kind of this API's body for a v1 kind. */
  const own = (kind: BodyKind): BodyKind => (v2 ? (V2_KIND[kind] ?? kind) : kind);
  /** Extra alternatives for v2 mode only (v1's generators stay as they were). */
  const onlyV2 = <T>(...items: T[]): T[] => (v2 ? items : []);
  const latin1 = fc
    .integer({ min: 0x20, max: 0xff })
    .filter((code) => code !== 0x7f)
    .map((code) => String.fromCharCode(code));
  const hex = fc.constantFrom(..."0123456789abcdef");
  const tokenChar = fc.constantFrom(
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
  );
  const base64url = fc.constantFrom(
    ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
  );

  // Strings and values ------------------------------------------------------------------
  const NASTY = [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\u0000@example.com",
    "nul\u0000@example.com",
    "\ud800",
    "\udfff",
    "a\ud83d",
    "\uffff",
    "\ufeff",
    "\u202e",
    "\u200b",
    "\u2028",
    "\u0085",
    "\u00a0",
    "ﬀ",
    "ß",
    "İ",
    "\u212a",
    "e\u0301",
    "ǅ",
    "😀",
    "👨‍👩‍👧",
    "\\",
    '"',
    "'",
    "' OR '1'='1",
    "'; DROP TABLE customer; --",
    '{"$gt":""}',
    "%00",
    "%",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "null",
    "undefined",
    "NaN",
    "true",
    "0",
    "-1",
    "1e309",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    " x@example.com",
    "x@example.com ",
    "X@EXAMPLE.COM",
    "x@localhost",
    "a@b.c",
    "x@[127.0.0.1]",
    '"x"@example.com',
    "x+tag@example.com",
    "ü@exämple.com",
    "İ@example.com",
    "@",
    "x@",
    "@example.com",
    "x@@example.com",
    `${"x".repeat(64)}@example.com`,
    `${"x".repeat(65)}@example.com`,
    `x@${"a".repeat(250)}.com`,
    "\t",
    "\r\n",
    "\n",
    "addr_",
    "sess_",
    "cus_01J00000000000000000000000",
    "addr_01J00000000000000000000000",
  ];
  const lengthEdge = fc
    .constantFrom(7, 8, 127, 128, 129, 320, 321, 1000, 1001, 1024, 1025, 4096)
    .map((n) => "p".repeat(n));
  /** Strings whose JSON form is just under or just over the body limit. */
  const nearLimit = fc
    .tuple(
      fc.constantFrom("x", "é", "😀", "\u0000", "\\", '"', "\ud800"),
      fc.integer({ min: -600, max: 300 }),
    )
    .map(([char, delta]) => {
      const bytesPerChar = Buffer.byteLength(JSON.stringify(char)) - 2;
      return char.repeat(Math.max(0, Math.floor((BODY_LIMIT + delta) / bytesPerChar)));
    });
  /** Characters that break storage, encoders and validators more often than others. */
  const special = fc.constantFrom(
    "\u0000",
    "\ud800",
    "\udc00",
    "\u2028",
    "\ufeff",
    "\u202e",
    "\u0301",
    "\uffff",
    "\u{10ffff}",
    "\u0085",
    "\u00a0",
    "\n",
    "\r",
    "\t",
    "\\",
    "'",
    '"',
    "%",
    "😀",
  );
  /** A plausible value with one special character inserted or substituted. */
  const taint = (base: fc.Arbitrary<string>) =>
    fc.tuple(base, fc.nat(), special, fc.boolean()).map(([text, at, char, replace]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + char + text.slice(replace ? i + 1 : i);
    });
  const plausible = fc.constantFrom(
    "Ada",
    "x@example.com",
    "1 Main St",
    "+1 555 0100",
    "addr_01J00000000000000000000000",
    "",
  );
  const hostileString = fc.oneof(
    { weight: 4, arbitrary: taint(plausible) },
    { weight: 5, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: latin1, maxLength: 40 }) },
    { weight: 1, arbitrary: lengthEdge },
    { weight: 1, arbitrary: nearLimit },
  );
  const hostileKey = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "__defineGetter__",
        "__lookupGetter__",
        "hasOwnProperty",
        "toString",
        "valueOf",
        "",
        " ",
        "a.b",
        "$gt",
        "\u0000",
        "id",
        "customer_id",
        "has_account",
        "password_hash",
        "deleted_at",
        "metadata",
        "address",
        "billing_address",
        "first_name",
      ),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
  );
  const rawValue = fc.oneof(
    fc.integer({ min: 1, max: 8300 }).map((n) => new Raw("[".repeat(n) + "]".repeat(n))),
    fc.integer({ min: 1, max: 2800 }).map((n) => new Raw('{"a":'.repeat(n) + "1" + "}".repeat(n))),
    fc
      .constantFrom(
        "1e999",
        "-1e999",
        "-0",
        "123456789012345678901234567890",
        "0.1e-400",
        "1E+2",
        '"\\u0000"',
        '"\\ud800"',
        '"\\udc00\\ud800"',
        '"\\/"',
        "[]",
        "{}",
        '{"__proto__":{"isAdmin":true}}',
        '{"constructor":{"prototype":{"isAdmin":true}}}',
        '{"\\u005f_proto__":{"isAdmin":true}}',
      )
      .map((text) => new Raw(text)),
  );
  const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: 3 },
      { weight: 6, arbitrary: hostileString },
      {
        weight: 2,
        arbitrary: fc.oneof(
          fc.integer(),
          fc.double(),
          fc.constantFrom(0, -1, 2 ** 53 + 1, Number.MAX_VALUE, 1e-320),
        ),
      },
      { weight: 1, arbitrary: fc.boolean() },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.tuple(hostileKey, tie("value")), { maxLength: 4 })
          .map((entries) => new Obj(entries)),
      },
      { weight: 1, arbitrary: rawValue },
    ),
  })).value;

  // Emails and secrets -----------------------------------------------------------------
  const freshEmail = fc
    .tuple(
      fc.constantFrom("fz", "Fz", "ZOË", "zoë", "ü", "o'neil", "a.b"),
      fc.string({ unit: hex, minLength: 8, maxLength: 12 }),
    )
    .map(([prefix, id]) => `${prefix}-${id}@example.com`);
  /**
   * Emails a failed login may use: never A, B, C or E (nor any email E may move to, which all
   * start with "s"), whose logins must never be throttled.
   */
  const loginEmail = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(D.email, D.email.toUpperCase()) },
    { weight: 3, arbitrary: freshEmail },
    { weight: 1, arbitrary: fc.emailAddress().map((email) => `x${email}`) },
  );
  /** New emails for E (the sandbox): taken ones (a 422) or ones no failed login uses. */
  const sandboxEmail = fc.oneof(
    fc.constantFrom(A.email, D.email.toUpperCase()),
    fc.string({ unit: hex, minLength: 8, maxLength: 12 }).map((id) => `sbx-${id}@example.com`),
    fc.emailAddress().map((email) => `s${email}`),
  );
  const anyEmail = fc.oneof(
    fc.constantFrom(A.email, B.email, C.email, D.email, E.email, C.email.toUpperCase()),
    freshEmail,
    fc.emailAddress(),
  );
  const strongPassword = fc.oneof(
    fc.string({ unit: "grapheme-ascii", minLength: 12, maxLength: 40 }),
    fc.constantFrom(
      "correct horse battery staple 42",
      "pässwörd mit Ümläuten ✓",
      "密码密码密码密码密码",
    ),
  );
  const resetToken = fc.oneof(
    fc.string({ unit: base64url, minLength: 43, maxLength: 43 }),
    hostileString,
  );

  // Valid bodies, per route ---------------------------------------------------------------
  const plainName = fc.constantFrom("Ada", "José", "Zoë", "李", "O'Brien", "Ngũgĩ");
  const name = fc.oneof(
    { weight: 4, arbitrary: plainName },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: taint(plainName) },
  );
  const metadata = fc
    .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
    .map((record) => new Obj(Object.entries(record)));
  const addressOptional = {
    company: name,
    address_2: name,
    province: name,
    phone: fc.constantFrom("+1 555 0100", "0044 20 7946 0000", ""),
    metadata,
  };
  const addressCreate = fc
    .tuple(
      fc.record({
        first_name: name,
        last_name: name,
        address_1: fc.constantFrom("1 Main St", "Rue de l'Église 3", "東京都千代田区1-1"),
        city: fc.constantFrom("Springfield", "Paris", "Zürich"),
        country_code: fc.constantFrom("us", "DE", "fr", "gb", "xx"),
        postal_code: fc.constantFrom("12345", "SW1A 1AA", "75001"),
      }),
      fc.record(addressOptional, { requiredKeys: [] }),
    )
    .map(([required, optional]) => obj({ ...required, ...optional }));
  const addressPartial = fc
    .record(
      {
        first_name: name,
        last_name: name,
        address_1: name,
        city: name,
        country_code: fc.constantFrom("us", "de", "FR"),
        postal_code: name,
        ...addressOptional,
      },
      { requiredKeys: [] },
    )
    .map(obj);
  const addressRef = fc.nat({ max: 50 }).map((n) => `@@address:${n}@@`);
  const profile = (withIdentity: boolean) =>
    fc
      .tuple(
        fc.record(
          {
            first_name: name,
            last_name: name,
            phone: fc.constantFrom("+1 555 0100", "123", ""),
            metadata,
            billing_address: fc.oneof(addressPartial, addressCreate, addressRef),
          },
          { requiredKeys: [] },
        ),
        withIdentity
          ? fc.option(
              fc.record({ email: sandboxEmail, password: strongPassword }, { requiredKeys: [] }),
              {
                freq: 8,
                nil: {},
              },
            )
          : fc.constant({}),
      )
      .map(([fields, identity]) => obj({ ...fields, ...identity }));
  const baseBody = (withIdentity: boolean): Record<BodyKind, fc.Arbitrary<Obj>> => ({
    login: fc.oneof(
      { weight: 3, arbitrary: fc.constant(obj({ email: D.email, password: D.password })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(loginEmail, fc.oneof(strongPassword, hostileString))
          .map(([email, password]) => obj({ email, password })),
      },
    ),
    register: fc
      .record(
        {
          email: fc.oneof({ weight: 4, arbitrary: freshEmail }, { weight: 1, arbitrary: anyEmail }),
          password: strongPassword,
          first_name: name,
          last_name: name,
          phone: fc.constantFrom("+1 555 0100", "123"),
        },
        { requiredKeys: ["email", "password"] },
      )
      .map(obj),
    profile: profile(withIdentity),
    addAddress: addressCreate.map((address) => obj({ address })),
    address: addressPartial,
    passwordToken: anyEmail.map((email) => obj({ email })),
    passwordReset: fc
      .record({
        email: fc.oneof(loginEmail, anyEmail),
        token: resetToken,
        password: strongPassword,
      })
      .map(obj),
    // Medusa v2 (schemas/v2.ts): a login's email is never A's, B's, C's or E's, nor a
    // registration's (registering a taken email checks its password as a login does).
    emailpass: fc.oneof(
      { weight: 3, arbitrary: fc.constant(obj({ email: D.email, password: D.password })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(loginEmail, fc.oneof(strongPassword, hostileString))
          .map(([email, password]) => obj({ email, password })),
      },
    ),
    registerV2: fc
      .record({
        email: fc.oneof({ weight: 4, arbitrary: freshEmail }, { weight: 1, arbitrary: loginEmail }),
        password: strongPassword,
      })
      .map(obj),
    createCustomer: fc
      .record(
        {
          // `@@remail@@`: the email of the registration token's identity.
          email: fc.oneof(
            { weight: 3, arbitrary: fc.constant("@@remail@@") },
            { weight: 1, arbitrary: anyEmail },
          ),
          company_name: fc.option(name, { nil: null }),
          first_name: name,
          last_name: name,
          phone: fc.constantFrom("+1 555 0100", "123", ""),
          metadata,
        },
        { requiredKeys: [] },
      )
      .map(obj),
    profileV2: fc
      .record(
        {
          company_name: fc.option(name, { nil: null }),
          first_name: name,
          last_name: fc.option(name, { nil: null }),
          phone: fc.constantFrom("+1 555 0100", "123", ""),
          metadata,
        },
        { requiredKeys: [] },
      )
      .map(obj),
    addressV2: fc
      .record(
        {
          address_name: fc.option(name, { nil: null }),
          is_default_shipping: fc.boolean(),
          is_default_billing: fc.boolean(),
          first_name: name,
          last_name: name,
          address_1: fc.constantFrom("1 Main St", "Rue de l'Église 3", "東京都千代田区1-1"),
          city: fc.constantFrom("Springfield", "Paris", "Zürich"),
          country_code: fc.constantFrom("us", "DE", "fr", "xx"),
          postal_code: fc.option(fc.constantFrom("12345", "SW1A 1AA"), { nil: null }),
          ...addressOptional,
        },
        { requiredKeys: [] },
      )
      .map(obj),
    resetPassword: anyEmail.map((identifier) => obj({ identifier })),
    // A new password only for E (the sandbox): `@@oldpassword@@` is E's password when sent.
    updatePassword: withIdentity
      ? fc
          .record(
            {
              password: strongPassword,
              old_password: fc.oneof(
                { weight: 3, arbitrary: fc.constant("@@oldpassword@@") },
                { weight: 1, arbitrary: strongPassword },
              ),
            },
            { requiredKeys: ["password"] },
          )
          .map(obj)
      : fc.record({ old_password: strongPassword }, { requiredKeys: [] }).map(obj),
  });
  const validBodies = baseBody(true);
  const validBodiesNoIdentity = baseBody(false);

  // One-field mutations of a valid body ------------------------------------------------
  type FieldMutation =
    | { kind: "none" }
    | { kind: "replace"; at: number; value: unknown }
    | { kind: "delete"; at: number }
    | { kind: "add"; key: string; value: unknown }
    | { kind: "duplicate"; at: number; value: unknown }
    | { kind: "nested"; at: number; inner: FieldMutation }
    | { kind: "reshape"; as: "array" | "string" | "number" | "null" | "empty" }
    /** One special character into the N-th string anywhere in the body (else the first field). */
    | { kind: "taint"; at: number; char: string; position: number };
  const flatMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("replace" as const),
        at: fc.nat(),
        value: hostileValue,
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("add" as const),
        key: hostileKey,
        value: hostileValue,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("duplicate" as const),
        at: fc.nat(),
        value: hostileValue,
      }),
    },
  );
  const fieldMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
    { weight: 8, arbitrary: flatMutation },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("taint" as const),
        at: fc.nat(),
        char: special,
        position: fc.nat(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("nested" as const),
        at: fc.nat(),
        inner: flatMutation,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("reshape" as const),
        as: fc.constantFrom(
          "array" as const,
          "string" as const,
          "number" as const,
          "null" as const,
          "empty" as const,
        ),
      }),
    },
  );
  /** Copies `value` with `edit` applied to its `target`-th string leaf (depth first). */
  function editString(
    value: unknown,
    target: { left: number },
    edit: (text: string) => string,
  ): unknown {
    if (typeof value === "string") return target.left-- === 0 ? edit(value) : value;
    if (value instanceof Obj)
      return new Obj(value.entries.map(([key, item]) => [key, editString(item, target, edit)]));
    return value;
  }
  function countStrings(value: unknown): number {
    if (typeof value === "string") return 1;
    if (value instanceof Obj)
      return value.entries.reduce((sum, [, item]) => sum + countStrings(item), 0);
    return 0;
  }
  function applyMutation(body: Obj, mutation: FieldMutation): string {
    if (mutation.kind === "taint") {
      const strings = countStrings(body);
      if (strings === 0) return toJson(obj({ email: mutation.char }));
      const tainted = editString(body, { left: mutation.at % strings }, (text) => {
        const i = mutation.position % (text.length + 1);
        return text.slice(0, i) + mutation.char + text.slice(i);
      });
      return toJson(tainted);
    }
    const entries = [...body.entries];
    const at = (n: number) => n % Math.max(1, entries.length);
    switch (mutation.kind) {
      case "none":
        break;
      case "replace":
        if (entries.length === 0) entries.push(["email", mutation.value]);
        else entries[at(mutation.at)] = [entries[at(mutation.at)]![0], mutation.value];
        break;
      case "delete":
        entries.splice(at(mutation.at), 1);
        break;
      case "add":
        entries.push([mutation.key, mutation.value]);
        break;
      case "duplicate":
        entries.push([entries[at(mutation.at)]?.[0] ?? "email", mutation.value]);
        break;
      case "nested": {
        const index = entries.findIndex(([, value]) => value instanceof Obj);
        if (index === -1) return applyMutation(body, mutation.inner);
        const [key, inner] = entries[index]!;
        entries[index] = [key, new Raw(applyMutation(inner as Obj, mutation.inner))];
        break;
      }
      case "reshape": {
        const json = toJson(new Obj(entries));
        return {
          array: `[${json}]`,
          string: JSON.stringify(json),
          number: "42",
          null: "null",
          empty: "",
        }[mutation.as];
      }
    }
    return toJson(new Obj(entries));
  }
  const mutatedBody = (kind: BodyKind, withIdentity = true) =>
    fc
      .tuple((withIdentity ? validBodies : validBodiesNoIdentity)[kind], fieldMutation)
      .map(([body, mutation]) => applyMutation(body, mutation));

  // Whole hostile bodies -------------------------------------------------------------------
  const pollution = fc
    .tuple(
      fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "\\u005f_proto__",
        "__pro\\u0074o__",
      ),
      hostileValue,
      fc.constantFrom("top", "nested", "deep"),
      fc.constantFrom("metadata", "billing_address", "address", "email"),
    )
    .map(([key, value, where, field]) => {
      const inner = `{"${key}":${key === "constructor" ? '{"prototype":{"polluted":true}}' : toJson(value)}}`;
      if (where === "top") return `{"email":"${D.email}","password":"x",${inner.slice(1)}`;
      if (where === "nested") return `{"${field}":${inner}}`;
      return `{"${field}":{"a":[${inner}]}}`;
    });
  /** Where a deep value fits the route's body (so that it gets past the validation). */
  const deepSpots: Record<BodyKind | "any", string[]> = {
    login: ["password", "top"],
    register: ["password", "top"],
    profile: ["metadata", "billing_address.metadata", "top"],
    addAddress: ["address.metadata", "address.first_name"],
    address: ["metadata-flat", "top"],
    passwordToken: ["top"],
    passwordReset: ["password", "top"],
    emailpass: ["password", "top"],
    registerV2: ["password", "top"],
    createCustomer: ["metadata", "top"],
    profileV2: ["metadata", "top"],
    addressV2: ["metadata-flat", "top"],
    resetPassword: ["top"],
    updatePassword: ["top"],
    any: ["top", "metadata", "billing_address.metadata", "address.metadata", "password"],
  };
  const deepNesting = (kind: BodyKind | undefined) =>
    fc
      .tuple(
        fc.oneof(
          fc.integer({ min: 50, max: 3000 }),
          fc.integer({ min: 3000, max: 8180 }),
          fc.integer({ min: 8180, max: 8300 }),
        ),
        fc.oneof(
          { weight: 4, arbitrary: fc.constant("[") },
          { weight: 1, arbitrary: fc.constantFrom('{"a":', '{"metadata":{"a":') },
        ),
        fc.constantFrom(...deepSpots[kind ?? "any"]),
      )
      .map(([depth, open, where]) => {
        const close = open === "[" ? "]" : "}".repeat(open.split("{").length - 1);
        const nested = open.repeat(depth) + (open === "[" ? "" : "1") + close.repeat(depth);
        const address = (extra: string) =>
          `{"first_name":"Ada","last_name":"Lovelace","address_1":"1 Main St","city":"Paris","country_code":"fr","postal_code":"75001"${extra}}`;
        switch (where) {
          case "top":
            return nested;
          case "metadata":
            return `{"metadata":{"a":${nested}}}`;
          case "metadata-flat":
            return `{"city":"Paris","metadata":{"a":${nested}}}`;
          case "billing_address.metadata":
            return `{"billing_address":${address(`,"metadata":{"a":${nested}}`)}}`;
          case "address.metadata":
            return `{"address":${address(`,"metadata":{"a":${nested}}`)}}`;
          case "address.first_name":
            return `{"address":{"first_name":${nested}}}`;
          default:
            return `{"email":${JSON.stringify(D.email)},"password":${nested}}`;
        }
      });
  const hostileBody = (kind: BodyKind | undefined) =>
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      },
      {
        weight: 2,
        arbitrary: fc
          .anything({ maxDepth: 3, withNullPrototype: true })
          .map((value) => JSON.stringify(value) ?? ""),
      },
      { weight: 2, arbitrary: hostileValue.map(toJson) },
      { weight: 2, arbitrary: pollution },
      { weight: 3, arbitrary: deepNesting(kind) },
      {
        weight: 2,
        arbitrary: nearLimit.map((text) =>
          toJson(obj({ email: D.email, password: text.slice(0, BODY_LIMIT - 40) })),
        ),
      },
      { weight: 4, arbitrary: mutatedBody(kind ?? own("login")) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "[]",
          '"str"',
          "1e999",
          "null",
          "true",
          "{}",
          "",
          " ",
          "\ufeff{}",
        ),
      },
    );

  // Raw bodies and content types -----------------------------------------------------------
  const malformedJson = fc.oneof(
    fc
      .tuple(mutatedBody(own("register"), false), fc.nat())
      .map(([json, at]) => json.slice(0, at % (json.length + 1))),
    fc
      .tuple(
        mutatedBody(own("profile"), false),
        fc.nat(),
        fc.constantFrom(",", "}", "{", '"', "\\", "\u0000", "\ud800", "NaN", "//", "/*"),
      )
      .map(([json, at, junk]) => {
        const i = at % (json.length + 1);
        return json.slice(0, i) + junk + json.slice(i);
      }),
    fc.constantFrom(
      "{",
      '{"email":',
      "nul",
      '{"a":1}}',
      "{'email':'x'}",
      '{"a":1,}',
      '{"a":NaN}',
      '{"a":Infinity}',
      '{"a":undefined}',
      '{"a":0x10}',
      '{"a":01}',
      '{"a":"\\x41"}',
      '{"a":"\\u12"}',
      '{"a":"tab\there"}',
      "\ufeff{}",
      '{"__proto__":1}',
      "email=x%40example.com&password=x",
      '--boundary\r\nContent-Disposition: form-data; name="email"\r\n\r\nx\r\n--boundary--',
    ),
  );
  const rawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
    { weight: 3, arbitrary: malformedJson },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    {
      weight: 1,
      arbitrary: mutatedBody(own("login"), false).map((json) => {
        const utf16 = Buffer.from(`\ufeff${json}`, "utf16le");
        return new Uint8Array(utf16.buffer, utf16.byteOffset, utf16.byteLength);
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: BODY_LIMIT - 10, max: BODY_LIMIT + 10 })
        .map((n) => "{".repeat(n)),
    },
    { weight: 2, arbitrary: mutatedBody(own("addAddress"), false) },
  );
  const jsonContentType = fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "Application/JSON",
    'application/json; charset="utf-8"',
  );
  const anyContentType = fc.oneof(
    { weight: 3, arbitrary: jsonContentType },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        "application/json; charset=utf-16",
        "application/json; charset=utf-16le",
        "application/json; charset=latin1",
        "application/json; charset=nonsense",
        "application/json; charset=",
        "application/json;",
        "application/json; foo",
        "application/json ; x=y; charset=utf-8",
        "application/json; charset=utf-8; charset=latin1",
        "application/jsonx",
        "application/json-patch+json",
        "application/vnd.api+json",
        "application/ld+json",
        "text/json",
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=boundary",
        "application/octet-stream",
        "*/*",
        "application/*",
        "",
        ";",
        "application/",
        "/",
        "json",
        "application/json, text/plain",
        "application/json\t",
        "\u00e1pplication/json",
      ),
    },
    { weight: 2, arbitrary: fc.string({ unit: latin1, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  );

  // Headers -------------------------------------------------------------------------------
  const headerValue = fc.oneof(
    { weight: 12, arbitrary: fc.string({ unit: latin1, maxLength: 64 }) },
    { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 64 }) },
    // Sent as its UTF-8 bytes (see utf8Bytes).
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 16 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 17_000 }).map((n) => "v".repeat(n)) },
  );
  const headerName = fc.oneof(
    fc.constantFrom(
      "x-forwarded-host",
      "x-forwarded-proto",
      "x-forwarded-port",
      "forwarded",
      "x-real-ip",
      "x-request-id",
      "accept",
      "accept-encoding",
      "accept-language",
      "content-encoding",
      "if-none-match",
      "if-modified-since",
      "range",
      "x-http-method-override",
      "access-control-request-method",
      "access-control-request-headers",
      "referer",
      "sec-fetch-site",
      "x-csrf-token",
      "user-agent",
      "cookie",
      "authorization",
      "origin",
      "content-type",
    ),
    fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 }),
  );
  const mutation = (jwt: boolean): fc.Arbitrary<Mutation> => {
    const claims = fc.oneof(
      fc.constantFrom<Record<string, unknown>>(
        { exp: 0 },
        { exp: -1 },
        { exp: 1e308 },
        { exp: "never" },
        { exp: null },
        { nbf: 9_999_999_999 },
        { iat: 9_999_999_999 },
        { iss: "medusa" },
        { iss: null },
        { domain: "admin" },
        { domain: ["store"] },
        { sid: "sess_01J00000000000000000000000" },
        { sid: "' OR '1'='1" },
        { sid: ["x"] },
        { sid: { $ne: null } },
        { customer_id: C.id },
        { customer_id: 5 },
        { customer_id: "' OR 1=1 --" },
      ),
      fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    );
    const headers = fc.oneof(
      fc.constantFrom<Record<string, unknown>>(
        { alg: "none" },
        { alg: "None" },
        { alg: "HS256" },
        { alg: "RS256" },
        { alg: "ES256" },
        { alg: null },
        { kid: "unknown-kid" },
        { kid: "../../../../dev/null" },
        { kid: "' OR '1'='1" },
        { kid: null },
        { kid: 123 },
        { kid: "k".repeat(5000) },
        { crit: ["exp"] },
        { jku: "http://127.0.0.1:1/jwks.json" },
        { jwk: { kty: "OKP", crv: "Ed25519", x: "AAAA" } },
        { b64: false, crit: ["b64"] },
        { typ: "at+jwt" },
        { zip: "DEF" },
      ),
      fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    );
    const generic = fc.oneof(
      fc.record({
        op: fc.constant("flip" as const),
        at: fc.nat(),
        char: fc.oneof(base64url, fc.constantFrom(".", "=", "%", " ", "\u00ff")),
      }),
      fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({
        op: fc.constant("affix" as const),
        before: fc.constantFrom("", " ", "\t", "s:", "j:", '"', "%20"),
        after: fc.constantFrom("", " ", "=", "==", ".", "..", "%00", ";", ",x", '"', "\u00ff"),
      }),
      fc.constant({ op: "case" as const }),
    );
    if (!jwt) return generic;
    return fc.oneof(
      { weight: 3, arbitrary: generic },
      {
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("reencode" as const),
          part: fc.constantFrom("header" as const, "payload" as const),
          set: fc.oneof(claims, headers),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("resign" as const),
          alg: fc.constantFrom(
            "none" as const,
            "HS256-secret" as const,
            "HS256-jwk" as const,
            "EdDSA-attacker" as const,
          ),
          header: fc.oneof(fc.constant({}), headers),
          payload: fc.oneof(fc.constant({}), claims),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ op: "dropSignature" as const }) },
      { weight: 1, arbitrary: fc.constant({ op: "swapParts" as const }) },
    );
  };
  const cookieValue = fc.oneof(
    fc.string({ unit: latin1, maxLength: 64 }),
    fc.string({ unit: base64url, minLength: 40, maxLength: 46 }),
    fc.constantFrom(
      '"',
      '""',
      "%",
      "%ZZ",
      "%E0%A4%A",
      "s:abc.def",
      "j:{}",
      'j:{"__proto__":1}',
      "\u00ff",
      "=",
      "==",
      "a b",
      "@@token@@",
    ),
    fc.integer({ min: 1000, max: 8000 }).map((n) => "c".repeat(n)),
  );
  const cookieName = fc.oneof(
    fc.constantFrom(
      "connect.sid",
      "CONNECT.SID",
      "connect.sid ",
      " connect.sid",
      "connect%2Esid",
      "__proto__",
      "constructor",
      "sid",
      "",
    ),
    fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 }),
  );
  const cookieHeader = fc.oneof(
    { weight: 3, arbitrary: fc.constant("connect.sid=@@cookie@@") },
    { weight: 3, arbitrary: fc.constant("connect.sid=@@mcookie@@") },
    { weight: 2, arbitrary: cookieValue.map((value) => `connect.sid=${value}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 40 }),
          fc.nat(),
          fc.constantFrom("connect.sid=@@cookie@@", "connect.sid=@@mcookie@@", ""),
          fc.constantFrom("; ", ";", ", ", " ;  "),
        )
        .map(([pairs, at, valid, separator]) => {
          const cookies = pairs.map(([key, value]) => `${key}=${value}`);
          if (valid) cookies.splice(at % (cookies.length + 1), 0, valid);
          return cookies.join(separator);
        }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "connect.sid",
        "connect.sid=",
        "=",
        ";",
        "; ;",
        "connect.sid=@@cookie@@; connect.sid=@@cookie@@",
        "connect.sid=garbage; connect.sid=@@cookie@@",
        "connect.sid=@@cookie@@; connect.sid=garbage",
        'connect.sid="@@cookie@@"',
        "CONNECT.SID=@@cookie@@",
        " connect.sid = @@cookie@@ ",
        "connect.sid=@@cookie@@@@cookie@@",
        "connect.sid=@@token@@",
        "connect.sid=s%3A@@cookie@@.signature",
        "connect.sid=@@cookie@@%00",
        "connect.sid=%40%40cookie%40%40",
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: latin1, maxLength: 100 }) },
  );
  const authorizationHeader = fc.oneof(
    { weight: 3, arbitrary: fc.constant("Bearer @@token@@") },
    { weight: 5, arbitrary: fc.constant("Bearer @@mtoken@@") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "bearer @@token@@",
        "BEARER   @@token@@",
        "Bearer\t@@token@@",
        "Bearer @@token@@ extra",
        "Bearer @@token@@,Bearer @@token@@",
        "Token @@token@@",
        "JWT @@token@@",
        "@@token@@",
        "Bearer",
        "Bearer ",
        "Bearer @@cookie@@",
        "Basic dXNlcjpwYXNzd29yZA==",
        "Basic @@token@@",
        "Digest username=x",
        "Bearer null",
        "Bearer undefined",
        "Bearer a.b.c",
        "Bearer ..",
        "Bearer eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.",
        ...onlyV2(
          "Bearer @@rtoken@@",
          "Bearer @@rtoken@@ ",
          "Bearer @@reset@@",
          "Bearer @@mrtoken@@",
        ),
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.mixedCase(fc.constant("bearer")),
            fc.string({ unit: tokenChar, maxLength: 10 }),
          ),
          fc.string({ unit: latin1, maxLength: 200 }),
        )
        .map(([scheme, token]) => `${scheme} ${token}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.string({ unit: base64url, maxLength: 60 }), { minLength: 1, maxLength: 5 })
        .map((parts) => `Bearer ${parts.join(".")}`),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 500, max: 15_000 }).map((n) => `Bearer ${"A".repeat(n)}`),
    },
  );
  const originHeader = fc.oneof(
    fc.constantFrom(
      "http://localhost:8000",
      url,
      "null",
      "https://evil.example",
      "http://localhost:8000/",
      "HTTP://LOCALHOST:8000",
      "http://localhost:8000.evil.example",
      "http://[::1]:8000",
      "file://",
      "",
      "http://",
      "://",
      "http://%zz",
      "http://user:pass@localhost:8000",
    ),
    headerValue,
  );
  const forwardedFor = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc
      .array(
        fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom("unknown", "", "127.0.0.1:80", "[::1]:1")),
        { maxLength: 6 },
      )
      .map((ips) => ips.join(", ")),
    headerValue,
    fc.integer({ min: 100, max: 1500 }).map((n) => "1.1.1.1, ".repeat(n)),
  );
  /** Medusa v2's `x-publishable-api-key`: `@@nopk@@` leaves the header out (fuzzer.ts). */
  const publishableKeyHeader = fc.oneof(
    { weight: 4, arbitrary: fc.constant(publishableKey) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "@@nopk@@",
        "",
        " ",
        `${publishableKey} `,
        ` ${publishableKey}`,
        publishableKey.toUpperCase(),
        publishableKey.slice(0, -1),
        `${publishableKey},${publishableKey}`,
        `${publishableKey}\u0000`,
        "pk_01J00000000000000000000000",
        "null",
        "' OR '1'='1",
      ),
    },
    { weight: 2, arbitrary: headerValue },
  );
  const headerSet = fc
    .record(
      {
        ...(v2 ? { "x-publishable-api-key": publishableKeyHeader } : {}),
        cookie: cookieHeader,
        authorization: authorizationHeader,
        origin: originHeader,
        "x-forwarded-for": forwardedFor,
        "content-type": anyContentType,
        "user-agent": headerValue,
        extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
      },
      { requiredKeys: [] },
    )
    .map(({ extra, ...named }) => [
      ...Object.entries(named).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
      ...(extra ?? []),
    ]);
  const simpleAuth = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Array<[string, string]>>([]) },
    {
      weight: 3,
      arbitrary: fc.constant<Array<[string, string]>>([["cookie", "connect.sid=@@cookie@@"]]),
    },
    {
      weight: 3,
      arbitrary: fc.constant<Array<[string, string]>>([["authorization", "Bearer @@token@@"]]),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Array<[string, string]>>([
        ["cookie", "connect.sid=@@cookie@@"],
        ["authorization", "Bearer @@token@@"],
      ]),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Array<[string, string]>>([
        ["cookie", "connect.sid=revoked-or-never-issued"],
      ]),
    },
    ...onlyV2(
      {
        weight: 2,
        arbitrary: fc.constant<Array<[string, string]>>([["authorization", "Bearer @@rtoken@@"]]),
      },
      {
        weight: 1,
        arbitrary: fc.constant<Array<[string, string]>>([["authorization", "Bearer @@reset@@"]]),
      },
      {
        weight: 1,
        arbitrary: fc.constant<Array<[string, string]>>([["x-publishable-api-key", "@@nopk@@"]]),
      },
    ),
  );

  // Paths ---------------------------------------------------------------------------------
  const emailParam = fc.oneof(
    { weight: 3, arbitrary: anyEmail.map(pct) },
    { weight: 2, arbitrary: taint(anyEmail).map(pct) },
    { weight: 2, arbitrary: hostileString.map((text) => pct(text.slice(0, 2000))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "%E0%A4%A",
        "%",
        "%%",
        "%zz",
        "%C0%AF",
        "%ED%A0%80",
        "%F4%90%80%80",
        "%00",
        "%2F",
        "x%40example.com%00",
        "%FF%FE",
      ),
    },
  );
  const idParam = fc.oneof(
    { weight: 4, arbitrary: fc.nat({ max: 50 }).map((n) => `@@address:${n}@@`) },
    { weight: 3, arbitrary: fc.nat({ max: 50 }).map((n) => `@@session:${n}@@`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("addr_", "sess_", "cus_", "", ...onlyV2("cuaddr_")), fc.ulid())
        .map(([prefix, id]) => prefix + id),
    },
    { weight: 2, arbitrary: hostileString.map((text) => pct(text.slice(0, 1500))) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom("@@address:0@@", "@@address:1@@", "@@session:1@@", "addr_", ""),
          fc.constantFrom("%00", "%C0%80", "%ED%A0%80", "%0A", "%20", "%EF%BF%BF", "%F0%9F%98%80"),
        )
        .map(([id, suffix]) => id + suffix),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom("%E0%A4%A", "%", "%2e%2e", "..", ".", "%00", "%ED%A0%80"),
    },
  );
  const routePath = (route: Route) =>
    fc
      .tuple(emailParam, idParam)
      .map(([email, id]) => route.path.replace(":email", email).replace(":id", id));
  const knownSegments = [
    "store",
    "auth",
    "customers",
    "me",
    "addresses",
    "sessions",
    "token",
    "password-token",
    "password-reset",
    "health",
    "ready",
    ".well-known",
    "jwks.json",
    "openapi.json",
    "STORE",
    "Auth",
    ...onlyV2("customer", "emailpass", "register", "session", "refresh", "reset-password"),
    ...onlyV2("update", "providers", "Customer", "EMAILPASS"),
  ];
  const segment = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...knownSegments) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        ".",
        "..",
        "",
        "%2e",
        "%2e%2e",
        "%2E%2E",
        ".%2e",
        "%2f",
        "%2F",
        "%5c",
        "\\",
        "%00",
        "%",
        "%%",
        "%E0%A4%A",
        "%ZZ",
        "%C0%AE",
        "%FF",
        "%ED%A0%80",
        "%u002e",
        "%252e",
        ";",
        ";jsessionid=1",
        "*",
        "~",
        "#",
        "?",
        "@@address:0@@",
        "@@session:0@@",
      ),
    },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }).map(rawPathText) },
    { weight: 1, arbitrary: fc.string({ unit: latin1, maxLength: 12 }).map(rawPathText) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 20_000 }).map((n) => "a".repeat(n)) },
  );
  const query = fc.oneof(
    { weight: 4, arbitrary: fc.constant("") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "?",
        "?email=x%40example.com",
        "?__proto__[polluted]=1",
        "?constructor[prototype][polluted]=1",
        "?a=%E0%A4%A",
        "?" + "q=1&".repeat(500),
        "?#",
      ),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: latin1, maxLength: 40 }).map((text) => `?${rawPathText(text)}`),
    },
  );
  const anyPath = fc
    .oneof(
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...ROUTES).chain(routePath),
            fc.nat(),
            segment,
            fc.constantFrom(
              "insert",
              "replace",
              "delete",
              "append",
              "trailing",
              "double",
              "prefix",
              "none",
            ),
          )
          .map(([path, at, seg, how]) => {
            const parts = path.split("/");
            const i = 1 + (at % Math.max(1, parts.length - 1));
            if (how === "insert") parts.splice(i, 0, seg);
            if (how === "replace") parts[i] = seg;
            if (how === "delete") parts.splice(i, 1);
            if (how === "append") parts.push(seg);
            if (how === "trailing") parts.push("");
            if (how === "double") parts.splice(i, 0, "");
            if (how === "prefix") return `/${seg}${parts.join("/")}`;
            return parts.join("/");
          }),
      },
      {
        weight: 2,
        arbitrary: fc.array(segment, { maxLength: 8 }).map((segments) => `/${segments.join("/")}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "*",
          "//",
          "///store/auth",
          "/store//auth",
          "/store/auth/",
          "/store/auth//",
          "/./store/auth",
          "/store/./auth",
          "/store/x/../auth",
          "/../store/auth",
          "/store/auth/..",
          "/store/customers/me/addresses/",
          "/store/customers/me/addresses/%2F",
          "/store/auth/sessions/",
          "http://127.0.0.1/health",
          "http://evil.example/store/auth",
          "/%2e%2e/%2e%2e/etc/passwd",
          "/health\\..\\..",
          "/store/auth/%",
          `/${"%".repeat(1000)}`,
          ...onlyV2(
            "/auth/customer/emailpass/",
            "/auth/customer/emailpass//register",
            "/auth//session",
            "/auth/customer/user/register",
            "/auth/user/emailpass",
            "/auth/customer/google",
            "/auth/%63ustomer/emailpass/update",
            "/auth/token/refresh/",
            "/store/customers/me/addresses/%2F",
          ),
        ),
      },
    )
    .chain((path) => query.map((q) => path + q));
  const anyMethod = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...METHODS) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "get",
        "Post",
        "PROPFIND",
        "SEARCH",
        "QUERY",
        "MKCOL",
        "LOCK",
        "PURGE",
        "FOO",
        "M-SEARCH",
        "LINK",
        "SOURCE",
        "TRACE",
      ),
    },
  );

  // Whole requests ------------------------------------------------------------------------
  /** GET and HEAD with a body cannot go through fetch; node:http sends them. */
  const via = (method: string, body: unknown): "fetch" | "http" =>
    body !== undefined && ["GET", "HEAD"].includes(method.toUpperCase()) ? "http" : "fetch";

  /** P1: hostile JSON bodies on every route (mostly the body-taking ones), valid or no credentials. */
  const hostileBodyRequest = fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...BODY_ROUTES) },
        { weight: 1, arbitrary: fc.constantFrom(...ROUTES) },
      ),
      fc.oneof({ weight: 9, arbitrary: jsonContentType }, { weight: 1, arbitrary: anyContentType }),
      simpleAuth,
    )
    .chain(([route, contentType, auth]) =>
      fc.tuple(routePath(route), hostileBody(route.body)).map(([path, body]): FuzzRequest => ({
        via: via(route.method, body),
        method: route.method,
        path,
        headers: [["content-type", contentType], ...auth],
        body,
      })),
    );

  /** P2: a valid body for the route with one field changed, with valid credentials (mostly). */
  const mutatedBodyRequest = fc
    .tuple(fc.constantFrom(...BODY_ROUTES), jsonContentType, simpleAuth)
    .chain(([route, contentType, auth]) =>
      fc.tuple(routePath(route), mutatedBody(route.body!)).map(([path, body]): FuzzRequest => ({
        via: "fetch",
        method: route.method,
        path,
        headers: [["content-type", contentType], ...auth],
        body,
      })),
    );

  /** P3: bodies that are not (valid) JSON, under every kind of Content-Type. */
  const rawBodyRequest = fc
    .tuple(
      fc.constantFrom(...ROUTES),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant("route") },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      fc.option(anyContentType, { freq: 8, nil: undefined }),
      rawBody,
      simpleAuth,
    )
    .chain(([route, methodChoice, contentType, body, auth]) => {
      const method =
        methodChoice === "route" ? (route.method === "GET" ? "POST" : route.method) : methodChoice;
      return routePath(route).map((path): FuzzRequest => ({
        via: via(method, body),
        method,
        path,
        headers: [
          ...(contentType === undefined ? [] : [["content-type", contentType] as [string, string]]),
          ...auth,
        ],
        body,
      }));
    });

  /** P4: any path (raw bytes, dot segments, bad percent-encoding, huge segments) and method. */
  const pathRequest = fc
    .tuple(
      anyPath,
      anyMethod,
      fc.oneof(
        { weight: 3, arbitrary: fc.constant("http" as const) },
        { weight: 1, arbitrary: fc.constant("fetch" as const) },
      ),
      simpleAuth,
      fc.option(mutatedBody(own("profile"), false), { freq: 3, nil: undefined }),
    )
    .map(([path, method, transport, auth, body]): FuzzRequest => ({
      via: transport === "fetch" && path.startsWith("/") ? via(method, body) : "http",
      method,
      path,
      headers: body === undefined ? auth : [["content-type", "application/json"], ...auth],
      body,
    }));

  /** P5: every route with hostile cookies, Authorization headers, Origins, X-Forwarded-For, Content-Types. */
  const credentialRequest = fc
    .tuple(fc.constantFrom(...ROUTES), headerSet, mutation(false), mutation(true))
    .chain(([route, headers, cookieMutation, tokenMutation]) =>
      fc
        .tuple(
          routePath(route),
          route.body ? validBodies[route.body].map(toJson) : fc.constant(undefined),
        )
        .map(([path, body]): FuzzRequest => ({
          via: "fetch",
          method: route.method,
          path,
          headers:
            body !== undefined && !headers.some(([name]) => name === "content-type")
              ? [["content-type", "application/json"], ...headers]
              : headers,
          body,
          cookieMutation,
          tokenMutation,
        })),
    );

  /** P6: everything at once. */
  const anyBody: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...BODY_ROUTES).chain((route) => mutatedBody(route.body!)),
    },
    { weight: 2, arbitrary: hostileBody(undefined) },
    { weight: 1, arbitrary: rawBody },
  );
  const chaosRequest = fc
    .tuple(
      fc.oneof(
        {
          weight: 2,
          arbitrary: fc
            .constantFrom(...ROUTES)
            .chain((route) => fc.tuple(fc.constant(route.method), routePath(route))),
        },
        { weight: 1, arbitrary: fc.tuple(anyMethod, anyPath) },
      ),
      fc.oneof(
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
      ),
      headerSet,
      anyBody,
      mutation(false),
      mutation(true),
    )
    .map(
      ([
        [routeMethod, path],
        method,
        headers,
        body,
        cookieMutation,
        tokenMutation,
      ]): FuzzRequest => {
        const chosen = method ?? routeMethod;
        const simple =
          /^[A-Z]+$/.test(chosen) && !["TRACE"].includes(chosen) && path.startsWith("/");
        return {
          via: simple ? via(chosen, body) : "http",
          method: chosen,
          path,
          headers,
          body,
          cookieMutation,
          tokenMutation,
        };
      },
    );

  /** P7: bursts of concurrent requests, and races (the same valid request several times at once). */
  const raceRequest = fc.tuple(fc.constantFrom(...ROUTES), simpleAuth).chain(([route, auth]) =>
    fc
      .tuple(
        routePath(route),
        route.body ? validBodiesNoIdentity[route.body].map(toJson) : fc.constant(undefined),
      )
      .map(([path, body]): FuzzRequest => ({
        via: "fetch",
        method: route.method,
        path,
        headers: body === undefined ? auth : [["content-type", "application/json"], ...auth],
        body,
      })),
  );
  const burst = fc.oneof(
    fc.array(
      fc.oneof(
        hostileBodyRequest.filter((request) => identityOf(request.body) === "main"),
        pathRequest,
        raceRequest,
      ),
      { minLength: 2, maxLength: 12 },
    ),
    fc
      .tuple(raceRequest, fc.integer({ min: 2, max: 8 }))
      .map(([request, copies]) => Array.from({ length: copies }, () => request)),
  );

  /** P8: bytes on the socket that are not (quite) HTTP. */
  const eol = fc.oneof(
    { weight: 8, arbitrary: fc.constant("\r\n") },
    { weight: 1, arbitrary: fc.constantFrom("\n", "\r") },
  );
  const rawHeaderLine = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.tuple(headerName, headerValue).map(([key, value]) => `${key}: ${value}`),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "Content-Length: -1",
        "Content-Length: 1, 2",
        "Content-Length: 99999999999999999999",
        "Content-Length: abc",
        "Content-Length: 0",
        "Transfer-Encoding: chunked",
        "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: xchunked",
        "Transfer-Encoding: identity",
        "Content-Type: application/json",
        "Content-Type: text/plain",
        "Content-Encoding: gzip",
        "Host:",
        "Host: a, b",
        " folded: continuation",
        "No-Colon-Here",
        ": empty-name",
        "X\u0000Nul: 1",
        "Expect: 100-continue",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Connection: close",
        "Connection: keep-alive",
        "Cookie: connect.sid=\u00ff\u00fe",
        "Authorization: Bearer \u00ff",
        ...onlyV2(`x-publishable-api-key: ${publishableKey}`, "x-publishable-api-key:"),
      ),
    },
  );
  const rawMethod = fc.oneof(
    { weight: 6, arbitrary: anyMethod },
    { weight: 1, arbitrary: fc.constantFrom("G ET", "", "CONNECT", "PRI", "\u0000", "GET\t") },
  );
  const rawTarget = fc.oneof(
    { weight: 6, arbitrary: anyPath },
    { weight: 1, arbitrary: fc.constantFrom("*", "", " ", "http://x/health", "127.0.0.1:80") },
  );
  const rawVersion = fc.oneof(
    { weight: 6, arbitrary: fc.constant("HTTP/1.1") },
    { weight: 2, arbitrary: fc.constant("HTTP/1.0") },
    {
      weight: 1,
      arbitrary: fc.constantFrom("HTTP/2.0", "HTTP/0.9", "HTTP/1.1x", "", "HTTP/9.9", "http/1.1"),
    },
  );
  /** How a body is framed: Content-Length, valid chunks, broken chunks, or nothing. */
  const rawBodyPart = fc.oneof(
    { weight: 2, arbitrary: fc.constant({ framing: "none" as const, bytes: "" }) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(...BODY_ROUTES)
        .chain((route) => mutatedBody(route.body!, false))
        .map((json) => ({ framing: "length" as const, bytes: json })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(mutatedBody(own("profile"), false), fc.integer({ min: 1, max: 64 }))
        .map(([json, size]) => {
          const bytes = Buffer.from(json, "utf8");
          let chunks = "";
          for (let at = 0; at < bytes.length; at += size) {
            const chunk = bytes.subarray(at, at + size);
            chunks += `${chunk.length.toString(16)}\r\n${chunk.toString("latin1")}\r\n`;
          }
          return { framing: "chunked" as const, bytes: `${chunks}0\r\n\r\n` };
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          "0\r\n\r\n",
          "5\r\nhello\r\n0\r\n\r\n",
          "zz\r\n",
          "-1\r\n",
          "ffffffffffffffff\r\n",
          "3;ext=1\r\n{}x\r\n0\r\n\r\n",
        )
        .map((bytes) => ({ framing: "chunked" as const, bytes })),
    },
  );
  const rawHttp = fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) },
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          rawMethod,
          rawTarget,
          rawVersion,
          eol,
          fc.array(rawHeaderLine, { maxLength: 6 }),
          rawBodyPart,
          fc.oneof(
            { weight: 5, arbitrary: fc.constant(true) },
            { weight: 1, arbitrary: fc.constant(false) },
          ),
        )
        .map(([method, target, version, newline, lines, body, withHost]) => {
          const head = [
            `${method} ${target} ${version}`.trimEnd(),
            ...(withHost ? ["Host: 127.0.0.1"] : []),
            ...lines,
          ];
          const framed = lines.some((line) => /^(content-length|transfer-encoding)/i.test(line));
          // Bodies are UTF-8 (chunked ones already bytes as latin1); the head is bytes as latin1.
          const bytes =
            body.framing === "chunked"
              ? Buffer.from(body.bytes, "latin1")
              : Buffer.from(body.bytes, "utf8");
          if (!framed && body.framing === "length") head.push(`Content-Length: ${bytes.length}`);
          if (!framed && body.framing === "chunked") head.push("Transfer-Encoding: chunked");
          if (body.framing !== "none" && !lines.some((line) => /^content-type/i.test(line)))
            head.push("Content-Type: application/json");
          return Buffer.concat([
            Buffer.from(head.join(newline) + newline + newline, "latin1"),
            bytes,
          ]);
        }),
    },
  );

  const emailRace = fc.record({
    local: fc.string({ unit: hex, minLength: 10, maxLength: 10 }),
    spellings: fc.nat({ max: 2 }),
    contenders: fc.array(
      fc.tuple(fc.constantFrom("register" as const, "change" as const), fc.nat({ max: 2 })),
      { minLength: 2, maxLength: 5 },
    ),
  });

  return {
    emailRace,
    hostileBodyRequest,
    mutatedBodyRequest,
    rawBodyRequest,
    pathRequest,
    credentialRequest,
    chaosRequest,
    burst,
    rawHttp,
  };
}

export type Arbitraries = ReturnType<typeof makeArbitraries>;
