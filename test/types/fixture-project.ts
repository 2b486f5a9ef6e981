// A throwaway TypeScript project in which `ws6455` resolves to this repository's built package
// (dist/, through package.json "exports"), as it does for a user who installed it: the type tests
// and the README test compile their code there, under strict.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';

export const repoRoot = resolve(import.meta.dirname, '../..');

export const strictOptions: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  noEmit: true,
  skipLibCheck: false,
  esModuleInterop: true,
};

export interface FixtureProject {
  readonly dir: string;
  write(name: string, text: string): string;
  remove(): void;
}

/** A temp dir with node_modules/ws6455 linked to the repo and the repo's @types. */
export function createFixtureProject(packageJson: object = { name: 'ws6455-fixture', private: true }): FixtureProject {
  const dir = mkdtempSync(join(tmpdir(), 'ws6455-fixture-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot, join(dir, 'node_modules', 'ws6455'), 'dir');
  symlinkSync(join(repoRoot, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Type-check `files` as one program; the diagnostics, formatted (empty when it compiles). */
export function typeCheck(files: string[], options: ts.CompilerOptions = strictOptions): string[] {
  const program = ts.createProgram(files, options);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return diagnostics.map((diagnostic) =>
    ts.formatDiagnostic(diagnostic, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => repoRoot, getNewLine: () => '\n' }).trim(),
  );
}
