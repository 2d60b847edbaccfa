/**
 * Bearer JWTs. Each token names a server-side session (`sid`), so revoking the session revokes
 * the token. Default signing is EdDSA (Ed25519) with keys kept in the database — every instance
 * shares them — and published at /.well-known/jwks.json; HS256 with JWT_SECRET is the alternative.
 * The claims are those of the API spoken: Medusa v1's `{customer_id, domain}`, or Medusa v2's
 * `{actor_id, actor_type, auth_identity_id, app_metadata, …}` plus the token's version (`tv`),
 * which a refresh moves on (services/sessions.ts).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  type KeyObject,
} from "jose";
import type { Config } from "../config.js";
import type { AuthIdentity, Session, SigningKey } from "../domain.js";
import type { SigningKeyStore } from "../stores/types.js";
import { BoundedMap } from "../runtime/bounded-map.js";
import type { Clock } from "./clock.js";

type Key = CryptoKey | KeyObject | Uint8Array;

/** What a valid token says: a customer's session, or (v2) an identity that has no customer yet. */
export type VerifiedToken =
  | { kind: "session"; customerId: string; sessionId: string; tokenVersion: number }
  | { kind: "registration"; identityId: string; signedInAt: number; passwordFingerprint: string };

/**
 * Lifetime of a v2 registration token (`actor_id: ""`): it can only create the customer of its
 * identity, once. Half an hour covers a sign-up form's second step; Medusa's day is far more
 * than a token that needs no session needs. Counted from the sign-in (`auth_time`), which a
 * refresh keeps: refreshing never extends it.
 */
export const REGISTRATION_TOKEN_TTL_MS = 30 * 60_000;
const REGISTRATION_TOKEN_TTL_S = REGISTRATION_TOKEN_TTL_MS / 1000;

/**
 * Bytes of HMAC-SHA256 kept in a registration token's `pwd` claim (the password hash it was issued
 * under). The token's signature already stops forgery; 96 bits only have to tell one hash from
 * the next, and keep the claim short.
 */
const PASSWORD_FINGERPRINT_BYTES = 12;

/** The claims every Medusa v2 token has besides its actor (generate-jwt-token.js). */
const V2_CLAIMS = {
  actor_type: "customer",
  auth_provider: "emailpass",
  mfa_enabled: false,
  mfa_challenge_completed_at: null,
  user_metadata: {},
};

interface LoadedKey {
  kid: string;
  created_at: number;
  publicJwk: JWK;
  verifyKey: Key;
  signKey: Key;
}

/** Unknown `kid`s trigger a reload of the key table at most this often. */
const RELOAD_INTERVAL_MS = 10_000;
/**
 * Tokens whose signature has been checked, kept so that a client sending the same token on every
 * request costs one signature check, not one per request. Bounded (oldest out first); an entry is
 * used only until the token's `exp` and while the key that signed it is still loaded. The session
 * the token names is still read on every request, so revocation takes effect at once.
 */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * The one HS256 key's `kid`: a fixed name, so it tells nothing about the secret or which
 * deployments share one. Verification ignores it (there is one key), so tokens signed under an
 * earlier kid still verify.
 */
const HS256_KID = "hs256";

/** Each segment in canonical base64url (no padding, no stray bits), so one token has one spelling. */
function isCanonical(token: string): boolean {
  return token
    .split(".")
    .every((segment) => Buffer.from(segment, "base64url").toString("base64url") === segment);
}

interface CachedVerification {
  verified: VerifiedToken;
  expiresAt: number;
  key: LoadedKey;
}

/** What TokenService works with. */
export interface TokenServiceDeps {
  config: Config["jwt"];
  /** JWT_SECRET: the HS256 key, and what signing keys are encrypted under (EdDSA). */
  secret: string;
  store: SigningKeyStore;
  clock: Clock;
  /** Where a key that no longer decrypts is reported. */
  warn?: (message: string) => void;
  /** Which Medusa generation's claims tokens carry (MEDUSA_VERSION). */
  api: 1 | 2;
}

export class TokenService {
  private keys: LoadedKey[] = [];
  private lastReload = 0;
  private readonly verified = new BoundedMap<string, CachedVerification>(VERIFIED_CACHE_SIZE);
  private readonly encryptionKey: Buffer;
  private readonly fingerprintKey: Buffer;

  constructor(private readonly deps: TokenServiceDeps) {
    this.encryptionKey = Buffer.from(
      hkdfSync("sha256", deps.secret, "gatehouse", "signing-key-encryption-v1", 32),
    );
    this.fingerprintKey = Buffer.from(
      hkdfSync("sha256", deps.secret, "gatehouse", "registration-password-v1", 32),
    );
  }

  /** Loads the keys; creates the first one, and rotates, when due. Call at start and periodically. */
  async init(): Promise<void> {
    if (this.deps.config.algorithm === "HS256") {
      const key = new TextEncoder().encode(this.deps.secret);
      this.keys = [{ kid: HS256_KID, created_at: 0, publicJwk: {}, verifyKey: key, signKey: key }];
      return;
    }
    await this.rotateIfDue();
  }

  /**
   * Makes a new signing key now, whatever its age (`gatehouse keys rotate`); returns its kid.
   * The older keys stay published until their tokens expire, as at a scheduled rotation.
   * EdDSA only: HS256 signs with JWT_SECRET itself.
   */
  async rotateNow(): Promise<string> {
    if (this.deps.config.algorithm !== "EdDSA") throw new Error("HS256 has no signing keys");
    const key = await this.generateKey(this.deps.clock.now());
    await this.deps.store.insert(key);
    await this.rotateIfDue();
    return key.kid;
  }

  async rotateIfDue(): Promise<void> {
    if (this.deps.config.algorithm !== "EdDSA") return;
    const now = this.deps.clock.now();
    let keys = await this.loadAll();
    if (keys.length === 0 || now - keys[0]!.created_at >= this.deps.config.keyRotationMs) {
      await this.deps.store.insert(await this.generateKey(now));
      keys = await this.loadAll();
    }
    // Retired keys stay published until every token they signed has expired.
    const current = keys[0]!;
    const graceCutoff = now - this.deps.config.keyRotationMs - this.deps.config.ttlMs;
    if (keys.some((key) => key.created_at < graceCutoff && key.kid !== current.kid)) {
      await this.deps.store.deleteOlderThan(graceCutoff, current.kid);
      keys = keys.filter((key) => key.created_at >= graceCutoff || key.kid === current.kid);
    }
    this.keys = keys;
    this.lastReload = now;
  }

  /**
   * Every stored key this instance can use, newest first. A key that does not decrypt (JWT_SECRET
   * was changed) is skipped with a warning: a new key is made and its tokens simply stop verifying.
   */
  private async loadAll(): Promise<LoadedKey[]> {
    const loaded: LoadedKey[] = [];
    for (const key of await this.deps.store.list()) {
      try {
        loaded.push(await this.loadKey(key));
      } catch {
        this.deps.warn?.(
          `signing key ${key.kid} cannot be decrypted with this JWT_SECRET; ignoring it`,
        );
      }
    }
    return loaded;
  }

  /**
   * Signs a token for a bearer session. With v2's claims it also names the customer's auth
   * identity, and carries the session's token version.
   */
  async sign(session: Session, authIdentityId = ""): Promise<{ token: string; expiresIn: number }> {
    const iat = Math.floor(this.deps.clock.now() / 1000);
    const exp = Math.floor(session.expires_at / 1000);
    const claims =
      this.deps.api === 1
        ? { customer_id: session.customer_id, domain: "store", sid: session.id }
        : {
            actor_id: session.customer_id,
            ...V2_CLAIMS,
            auth_identity_id: authIdentityId,
            app_metadata: { customer_id: session.customer_id },
            sid: session.id,
            tv: session.token_version,
          };
    return { token: await this.signClaims(claims, iat, exp), expiresIn: exp - iat };
  }

  /**
   * A v2 registration token: an identity without a customer (`actor_id: ""`), unbound to a session.
   * Its `pwd` fingerprints the identity's password hash: once that password is replaced (a reset),
   * `provesPassword` refuses the token. `auth_time` is when the password was proven (OIDC's
   * claim, in seconds): now for a login or registration, the presented token's for a refresh
   * (`signedInAt`, epoch ms). The token expires REGISTRATION_TOKEN_TTL_MS after it, never later.
   */
  signRegistration(
    identity: AuthIdentity,
    passwordHash: string,
    signedInAt = this.deps.clock.now(),
  ): Promise<string> {
    const now = Math.floor(this.deps.clock.now() / 1000);
    const authTime = Math.min(Math.floor(signedInAt / 1000), now);
    const claims = {
      actor_id: "",
      ...V2_CLAIMS,
      auth_identity_id: identity.id,
      app_metadata: {},
      pwd: this.fingerprint(passwordHash).toString("base64url"),
      auth_time: authTime,
    };
    return this.signClaims(claims, now, authTime + REGISTRATION_TOKEN_TTL_S);
  }

  /**
   * Whether a registration token was issued under this password hash, the identity's current one
   * (compared in constant time). A token issued before the password was last set is refused.
   */
  provesPassword(
    registration: { passwordFingerprint: string },
    passwordHash: string | null,
  ): boolean {
    if (passwordHash === null) return false;
    const presented = Buffer.from(registration.passwordFingerprint, "base64url");
    const current = this.fingerprint(passwordHash);
    return presented.length === current.length && timingSafeEqual(presented, current);
  }

  /** HMAC of a password hash under a key derived from JWT_SECRET: tells nothing of the hash. */
  private fingerprint(passwordHash: string): Buffer {
    return createHmac("sha256", this.fingerprintKey)
      .update(passwordHash)
      .digest()
      .subarray(0, PASSWORD_FINGERPRINT_BYTES);
  }

  private signClaims(claims: Record<string, unknown>, iat: number, exp: number): Promise<string> {
    const key = this.keys[0];
    if (!key) throw new Error("token service not initialised");
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.deps.config.algorithm, typ: "JWT", kid: key.kid })
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setIssuer(this.deps.config.issuer)
      .sign(key.signKey);
  }

  /**
   * Verifies signature, algorithm, `exp`, `iss` and the claims of the API spoken. Returns null for
   * any failure; the caller still has to check that the named session is live.
   */
  async verify(token: string): Promise<VerifiedToken | null> {
    const cached = this.verified.get(token);
    if (cached) {
      if (this.deps.clock.now() < cached.expiresAt && this.keys.includes(cached.key)) {
        return cached.verified;
      }
      this.verified.delete(token);
    }
    if (!isCanonical(token)) return null;
    let key: LoadedKey | undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => (key = await this.keyFor(header)).verifyKey,
        {
          algorithms: [this.deps.config.algorithm],
          issuer: this.deps.config.issuer,
          currentDate: new Date(this.deps.clock.now()),
          requiredClaims: ["exp", "iat"],
        },
      );
      const verified = this.deps.api === 1 ? v1Claims(payload) : v2Claims(payload);
      if (verified && key && payload.exp !== undefined) {
        this.verified.set(token, Object.freeze({ verified, expiresAt: payload.exp * 1000, key }));
      }
      return verified;
    } catch {
      return null;
    }
  }

  /** The public keys, as a JWK Set (empty with HS256). */
  jwks(): { keys: JWK[] } {
    if (this.deps.config.algorithm === "HS256") return { keys: [] };
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  private async keyFor(header: JWTHeaderParameters): Promise<LoadedKey> {
    // HS256 has exactly one key, the shared secret: `kid` is informational there.
    if (this.deps.config.algorithm === "HS256") return this.keys[0]!;
    const find = () => this.keys.find((key) => key.kid === header.kid);
    let key = find();
    const now = this.deps.clock.now();
    // A key another instance has just rotated in: reload, but never more often than the interval.
    if (
      !key &&
      this.deps.config.algorithm === "EdDSA" &&
      now - this.lastReload >= RELOAD_INTERVAL_MS
    ) {
      this.lastReload = now;
      this.keys = await this.loadAll();
      key = find();
    }
    if (!key) throw new Error("unknown kid");
    return key;
  }

  private async generateKey(now: number): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
      crv: "Ed25519",
      extractable: true,
    });
    const kid = randomBytes(12).toString("base64url");
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
    return {
      kid,
      algorithm: "EdDSA",
      publicJwk,
      privateJwk: this.encrypt(
        JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: "EdDSA" }),
      ),
      created_at: now,
    };
  }

  private async loadKey(key: SigningKey): Promise<LoadedKey> {
    const publicJwk = key.publicJwk as JWK;
    const privateJwk = JSON.parse(this.decrypt(key.privateJwk)) as JWK;
    return {
      kid: key.kid,
      created_at: key.created_at,
      publicJwk,
      verifyKey: await importJWK(publicJwk, "EdDSA"),
      signKey: await importJWK(privateJwk, "EdDSA"),
    };
  }

  /** AES-256-GCM under a key derived from JWT_SECRET: a database dump holds no usable signing key. */
  private encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.encryptionKey, iv);
    const body = Buffer.concat([
      cipher.update(plaintext, "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `v1.${iv.toString("base64url")}.${body.toString("base64url")}`;
  }

  private decrypt(stored: string): string {
    const [version, iv, body] = stored.split(".");
    if (version !== "v1" || !iv || !body) throw new Error("unsupported signing key encoding");
    const data = Buffer.from(body, "base64url");
    const decipher = createDecipheriv(
      "aes-256-gcm",
      this.encryptionKey,
      Buffer.from(iv, "base64url"),
    );
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([
      decipher.update(data.subarray(0, data.length - 16)),
      decipher.final(),
    ]).toString("utf8");
  }
}

const isString = (value: unknown): value is string => typeof value === "string";

/** Medusa v1's claims: `{customer_id, domain: "store"}` and the session. */
function v1Claims(payload: JWTPayload): VerifiedToken | null {
  const { customer_id: customerId, sid: sessionId, domain } = payload;
  if (domain !== "store" || !isString(customerId) || !isString(sessionId)) return null;
  return Object.freeze({ kind: "session", customerId, sessionId, tokenVersion: 0 });
}

/** Medusa v2's claims: a customer actor with its session and version, or a registration. */
function v2Claims(payload: JWTPayload): VerifiedToken | null {
  const { actor_id: actorId, actor_type: actorType, auth_identity_id: identityId } = payload;
  if (actorType !== "customer" || !isString(actorId) || !isString(identityId)) return null;
  if (actorId === "") {
    const { pwd: passwordFingerprint, auth_time: authTime } = payload;
    // `iat` and `exp` are required by verify(). A token without `auth_time` (issued before the
    // claim existed) cannot tell when its sign-in was: refused, as one without `pwd` is.
    if (
      identityId === "" ||
      !isString(passwordFingerprint) ||
      !Number.isSafeInteger(authTime) ||
      (authTime as number) > payload.iat! ||
      payload.exp! > (authTime as number) + REGISTRATION_TOKEN_TTL_S
    ) {
      return null;
    }
    return Object.freeze({
      kind: "registration",
      identityId,
      signedInAt: (authTime as number) * 1000,
      passwordFingerprint,
    });
  }
  const { sid: sessionId, tv: tokenVersion, app_metadata: appMetadata } = payload;
  if (
    !isString(sessionId) ||
    !Number.isSafeInteger(tokenVersion) ||
    (tokenVersion as number) < 0 ||
    (appMetadata as { customer_id?: unknown } | undefined)?.customer_id !== actorId
  ) {
    return null;
  }
  return Object.freeze({
    kind: "session",
    customerId: actorId,
    sessionId,
    tokenVersion: tokenVersion as number,
  });
}
