/** What the HTTP layer needs from the rest of the server: config, services and clock. */
import type { Config } from "../config.js";
import type { AuthService } from "../services/auth.js";
import type { Clock } from "../services/clock.js";
import type { CustomerService } from "../services/customers.js";
import type { SessionService } from "../services/sessions.js";
import type { ThrottleService } from "../services/throttle.js";
import type { TokenService } from "../services/tokens.js";
import type { Stores } from "../stores/types.js";

export interface Services {
  auth: AuthService;
  customers: CustomerService;
  sessions: SessionService;
  tokens: TokenService;
  throttle: ThrottleService;
}

export interface AppContext {
  config: Readonly<Config>;
  stores: Stores;
  services: Services;
  clock: Clock;
}
