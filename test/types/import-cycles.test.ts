// Issue 12: the modules of src/ import each other in no circle, type-only imports and re-exports
// included, so that the layers (protocol, handshake, transport, the WebSocket, client, server, the
// face) read bottom up. A name a lower file needs from a higher one is registered from above (see
// EventTargetRegistry in event-target.ts and ServerTypes in websocket.ts) instead of imported.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './fixture-project.js';

const src = join(repoRoot, 'src');

/** Every module of src/ and the modules of src/ it names in an import, export or augmentation. */
function importGraph(): Map<string, string[]> {
  const files = (readdirSync(src, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(src, name));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, false);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      .filter((target) => known.has(target));
    graph.set(relative(src, file), [...new Set(targets)].map((target) => relative(src, target)));
  }
  return graph;
}

/** The strongly connected components with more than one module, or a module that imports itself (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('issue 12: no import cycle in src/', () => {
  it('the import graph of src/, type imports included, has no circle', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    // Type-only imports count: the client's handshake names its host only as a type.
    expect(graph.get(join('client', 'handshake.ts'))).toContain(join('client', 'host.ts'));
    expect(circles(graph)).toEqual([]);
  });

  it('the circle finder reports a circle, and a module importing itself', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts', 'd.ts']],
      ['e.ts', []],
    ]);
    expect(circles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
  });
});
