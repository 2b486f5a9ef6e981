// Tests that need an external program must not pass silently without it: under CI they fail,
// locally they are skipped with a message saying how to install the program.
import { execFileSync } from 'node:child_process';

export function findProgram(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns the program's path, or undefined (after a warning) when it is missing outside CI.
 * Throws under CI=true, failing the test file.
 */
export function requireProgram(name: string, installHint: string): string | undefined {
  const path = findProgram(name);
  if (path !== undefined) return path;
  const message = `${name} not found; install it with: ${installHint}`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`[skipped] ${message}`);
  return undefined;
}
