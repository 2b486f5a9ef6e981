// Launches the system Chromium through playwright-core (no browser download), with the flags
// that keep a headless run quiet and deterministic in a container.
import { chromium as playwrightChromium, type Browser } from 'playwright-core';
import { chromiumPath } from './external-programs.js';

export function launchChromium(): Promise<Browser> {
  return playwrightChromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
