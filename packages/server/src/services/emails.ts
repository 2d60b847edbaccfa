/** Emails are stored and compared lower-cased, in Unicode NFC, on every path. */
export const normalizeEmail = (email: string) => email.normalize("NFC").toLowerCase();
