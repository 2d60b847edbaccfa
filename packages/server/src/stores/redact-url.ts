/** Query parameters that can carry a credential (libpq's `password`, `sslpassword`, `sslkey`…). */
const CREDENTIAL_PARAMETER = /pass|secret|key|token|cert|auth|cred/i;

/** Masks every credential in a connection URL (userinfo password, credential parameters) before it is logged or shown. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const name of new Set(parsed.searchParams.keys())) {
      if (CREDENTIAL_PARAMETER.test(name)) parsed.searchParams.set(name, "***");
    }
    return parsed.toString();
  } catch {
    return "<unparseable URL>";
  }
}
