/** Ids of the rows the Medusa v2 stores create themselves, in Medusa's formats (its `model.id`). */
import { ulid } from "ulid";

/** An auth identity: `authid_` and a ULID. (A provider identity's id is a bare ULID.) */
export const newAuthIdentityId = () => `authid_${ulid()}`;
