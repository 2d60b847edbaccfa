/**
 * Emails are stored and compared lower-cased, in Unicode NFKC, on every path: compatibility forms
 * (fullwidth `ｂ`, ligatures) fold to their plain letters, so they cannot make look-alike accounts.
 */
export const normalizeEmail = (email: string) => email.normalize("NFKC").toLowerCase();
