/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core. Without
 * it a browser suite is skipped (`chromiumSkip` is the reason), except under CI=true, where the
 * suites are mandatory (.ci/run installs it).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why a browser suite is skipped here, or false when it runs. */
export const chromiumSkip: string | false =
  !existsSync(CHROMIUM) && process.env.CI !== "true"
    ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium); browser tests are mandatory under CI=true`
    : false;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
