// uWebSockets.js as a benchmark column. Its binaries (npm `uwebsockets`, ~100 MB packed, 257 MB
// installed) are never a dependency of the project: the runner installs them on demand into
// bench/.uws/ (git-ignored) and leaves the column out, with a note, where that fails or where
// no binary matches this platform and Node version.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The package that carries the uWS.js binaries, pinned so every run measures the same build. */
export const UWS_PACKAGE = 'uwebsockets@3.0.6';
const PREFIX = fileURLToPath(new URL('../.uws/', import.meta.url));
export const UWS_ENTRY = `${PREFIX}node_modules/uwebsockets/uws.js`;

/** Load uWS (the servers call this); throws with the package's own message where it cannot. */
export function loadUws() {
  return createRequire(import.meta.url)(UWS_ENTRY);
}

/**
 * Make sure uWS can run here: install it when missing (unless `install` is false), then load it
 * in a throwaway process so a crash in its binary cannot take the runner down.
 * Returns null when usable, else the reason it is left out.
 */
export function prepareUws({ install = true } = {}) {
  if (!existsSync(UWS_ENTRY)) {
    if (!install) return `uWS left out: not installed (npm install --prefix bench/.uws ${UWS_PACKAGE})`;
    try {
      process.stderr.write(`installing ${UWS_PACKAGE} into bench/.uws/ (once, ~100 MB)...\n`);
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      execFileSync(npm, ['install', '--prefix', PREFIX, '--no-save', '--no-audit', '--no-fund', UWS_PACKAGE], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      return `uWS left out: npm install ${UWS_PACKAGE} failed (${String(error.stderr ?? error.message).trim().slice(0, 200)})`;
    }
  }
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(UWS_ENTRY)})`], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (error) {
    const reason = String(error.stderr ?? error.message).split('\n').find((line) => line.includes('Error')) ?? 'unknown error';
    return `uWS left out: its binary does not load on ${process.platform} ${process.arch} Node ${process.version} (${reason.trim().slice(0, 200)})`;
  }
}
