// Debian's Chromium driven by playwright-core (no browser downloads on these machines).
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.AGENTORA_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
