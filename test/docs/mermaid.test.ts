// @vitest-environment jsdom
// Mermaid's parser sanitises labels with DOMPurify, which needs a DOM: jsdom gives it one in Node.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mermaid from 'mermaid';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { statechartMarkdown } from '../../scripts/statechart.js';

// Paths, not URLs: in this test environment URL is jsdom's, which node:fs does not take.
const ROOT = join(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The Markdown files that may hold diagrams: README.md and docs/*.md. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
  return ['README.md', ...docs.map((name) => `docs/${name}`)];
}

/** The ```mermaid blocks of a Markdown text. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
}

/** Mermaid's own verdict on a diagram: the diagram type, or the parser's error message. */
async function parse(diagram: string): Promise<{ diagramType: string } | { error: string }> {
  try {
    const result = await mermaid.parse(diagram);
    return { diagramType: result ? result.diagramType : 'none' };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

describe('Mermaid diagrams in the docs', () => {
  it('docs/statechart.md has the overview and the full chart, and Mermaid reads both', async () => {
    const diagrams = mermaidBlocks(read('docs/statechart.md'));
    expect(diagrams).toHaveLength(2);
    for (const diagram of diagrams) expect(await parse(diagram)).toEqual({ diagramType: 'stateDiagram' });
  });

  it('every diagram in README.md and docs/*.md parses', async () => {
    for (const file of markdownFiles()) {
      for (const diagram of mermaidBlocks(read(file))) {
        expect({ file, verdict: await parse(diagram) }).toEqual({ file, verdict: { diagramType: expect.any(String) } });
      }
    }
  });

  it('rejects the composite-state line the generator used to write', async () => {
    const old = ['stateDiagram-v2', '  state signedOut as signedOut {', '    signedOut_idle : idle', '  }'].join('\n');
    expect(await parse(old)).toEqual({ error: expect.stringContaining('State name must be a single word') });
  });

  it('the generator writes valid Mermaid for a machine with states it has not met yet', async () => {
    // Nested composites, a parallel state, final states, timers, eventless transitions, guards
    // and names that are not single words: what the auth machine may grow into.
    const machine = createMachine({
      id: 'grown',
      initial: 'starting up',
      states: {
        'starting up': { after: { 500: 'outer' }, on: { 'go.on': { target: 'outer.inner.deep', guard: 'isReady' } } },
        outer: {
          initial: 'inner',
          states: {
            inner: {
              initial: 'deep',
              states: { deep: { on: { next: 'done-here' } }, 'done-here': { type: 'final' } },
              onDone: '#grown.both',
            },
          },
        },
        both: {
          type: 'parallel',
          states: {
            left: { initial: 'a', states: { a: { always: 'b' }, b: {} } },
            right: { initial: 'c', states: { c: { on: { stop: '#grown.stopped' } } } },
          },
        },
        stopped: { type: 'final' },
      },
    });
    const diagrams = mermaidBlocks(statechartMarkdown(machine));
    expect(diagrams).toHaveLength(2);
    for (const diagram of diagrams) expect(await parse(diagram)).toEqual({ diagramType: 'stateDiagram' });
  });
});
