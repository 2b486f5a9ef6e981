// Tests that need a program outside Node (chromium, python3-websockets) run only when it is
// installed. Missing under CI it is a failure, because CI's .ci/run installs it; missing on a
// developer's machine the suite is skipped, loudly, with the command that installs it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

export interface ExternalProgram {
  /** What the test needs, as a reader would name it. */
  readonly name: string;
  /** The Debian package that provides it. */
  readonly aptPackage: string;
  /** Whether it is usable on this machine. */
  readonly available: boolean;
}

export const chromiumPath = '/usr/bin/chromium';
export const python3Path = '/usr/bin/python3';

export const chromium: ExternalProgram = {
  name: 'headless Chromium',
  aptPackage: 'chromium',
  available: existsSync(chromiumPath),
};

export const pythonWebsockets: ExternalProgram = {
  name: 'python3 with the websockets library',
  aptPackage: 'python3-websockets',
  available: canRun(python3Path, ['-c', 'import websockets']),
};

function canRun(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe`, guarded by the programs the tests need: runs `body` when they are all present,
 * fails under CI=true when one is missing, and otherwise skips with the install command.
 */
export function describeWith(programs: ExternalProgram[], title: string, body: () => void): void {
  const missing = programs.filter((program) => !program.available);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const install = `apt-get install ${missing.map((program) => program.aptPackage).join(' ')}`;
  const why = `${missing.map((program) => program.name).join(' and ')} not found; install with: ${install}`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has the programs it needs', () => {
        throw new Error(`${why} (required under CI)`);
      });
    });
    return;
  }
  console.warn(`[skipped] ${title}: ${why}`);
  describe.skip(`${title} [skipped: ${why}]`, body);
}
