// Child-process tests (other peers, multi-process scale-out) load the built package from dist/,
// so every test run builds it first from the current sources.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
