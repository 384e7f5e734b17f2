// The source tree's layers (STYLE.md): everything may import the shared vocabulary; storage
// imports only the vocabulary; services import storage; the machine imports neither; the facade
// (createAuth and the Promise API) wires the machine to the services. And no two files import
// each other in a circle, type imports and dynamic imports included.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const IMPORT = /(?:import|export)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Each source file (relative to src/) and the source files it imports. */
const graph = new Map<string, string[]>(
  sourceFiles(SRC).map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) =>
      relative(SRC, resolve(dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, '.ts'))),
    );
    return [relative(SRC, file), targets];
  }),
);

const layerOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : 'facade');
const allowed: Record<string, string[]> = {
  vocabulary: ['vocabulary'],
  machines: ['vocabulary', 'machines'],
  storage: ['vocabulary', 'storage'],
  services: ['vocabulary', 'storage', 'services'],
  facade: ['vocabulary', 'machines', 'storage', 'services', 'facade'],
  // The testing kit (its own published entry) sits on top: nothing below imports it.
  testing: ['vocabulary', 'machines', 'storage', 'services', 'facade', 'testing'],
};

describe('source structure', () => {
  it('reads the whole tree', () => {
    expect(graph.size).toBeGreaterThan(30);
    expect([...graph.keys()]).toContain('vocabulary/AuthError.ts');
  });

  it('imports run one way: vocabulary ← machines, storage ← services ← facade', () => {
    const wrong = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !allowed[layerOf(file)]!.includes(layerOf(t))).map((t) => `${file} → ${t}`),
    );
    expect(wrong).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
