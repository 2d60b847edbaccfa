/**
 * Which `fields` of `GET /store/customers/me` (v2) Gatehouse answers itself. Its answer always has
 * the customer's own fields and addresses, so a `fields` that asks for nothing more is served
 * without Medusa (with every default field, as when `fields` is absent). Anything else (a relation
 * such as `*orders`, a removal `-…`, a name Gatehouse does not know) goes to Medusa when Gatehouse
 * is in front of one: only Medusa can answer it exactly.
 */
import { CustomerAddressV2, CustomerV2 } from "../../schemas/v2.js";

const CUSTOMER_KEYS = new Set(Object.keys(CustomerV2.properties));
const ADDRESS_KEYS = new Set(Object.keys(CustomerAddressV2.properties));

/**
 * Whether every entry of `fields` (comma-separated; a leading `+`, which adds to Medusa's
 * defaults, ignored) is a customer field, `addresses`, `*addresses`, `addresses.*` or
 * `addresses.<an address field>`. Empty entries ask for nothing.
 */
export function heldByGatehouse(fields: string): boolean {
  for (const listed of fields.split(",")) {
    // A `+` not encoded as %2B arrives as a space.
    const entry = listed.trim().replace(/^\+/, "");
    if (entry === "" || CUSTOMER_KEYS.has(entry) || entry === "*addresses") continue;
    const [relation, field, ...deeper] = entry.split(".");
    const addressField = field === "*" || (field !== undefined && ADDRESS_KEYS.has(field));
    if (relation === "addresses" && addressField && deeper.length === 0) continue;
    return false;
  }
  return true;
}
