/**
 * Writes docs/statechart.md: the auth statechart as a Mermaid diagram, generated from the
 * machine itself. `npm run docs:statechart` rewrites it; a test fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyStateNode } from 'xstate';
import { authMachine } from '../src/machines/auth.machine.js';

const DOC = fileURLToPath(new URL('../docs/statechart.md', import.meta.url));

function nodeName(node: AnyStateNode): string {
  return node.path.join('_') || 'auth';
}

function eventLabel(eventType: string): string {
  return eventType.replace(/^xstate\.done\.actor\./, 'done: ').replace(/^xstate\.error\.actor\./, 'error: ');
}

function guardLabel(guard: unknown): string {
  if (!guard) return '';
  const type = typeof guard === 'string' ? guard : (guard as { type?: string }).type;
  return type ? ` [${type}]` : '';
}

function render(node: AnyStateNode, indent: string, lines: string[]): void {
  const children = Object.values(node.states) as AnyStateNode[];
  for (const child of children) {
    const name = nodeName(child);
    if (Object.keys(child.states).length > 0) {
      lines.push(`${indent}state ${child.key} as ${name} {`);
      render(child, `${indent}  `, lines);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}${name} : ${child.key}`);
    }
  }
  const initial = node.initial?.target?.[0] as AnyStateNode | undefined;
  if (initial) lines.push(`${indent}[*] --> ${nodeName(initial)}`);
}

function transitions(node: AnyStateNode, lines: string[]): void {
  for (const [eventType, list] of node.transitions) {
    for (const t of list) {
      for (const target of (t.target ?? []) as AnyStateNode[]) {
        lines.push(`  ${nodeName(node)} --> ${nodeName(target)} : ${eventLabel(eventType)}${guardLabel(t.guard)}`);
      }
    }
  }
  for (const child of Object.values(node.states) as AnyStateNode[]) transitions(child, lines);
}

function describeStates(node: AnyStateNode, out: string[]): void {
  for (const child of Object.values(node.states) as AnyStateNode[]) {
    const tags = child.tags.length ? ` (${child.tags.join(', ')})` : '';
    if (child.description) out.push(`- \`${child.path.join('.')}\`${tags}: ${child.description}`);
    describeStates(child, out);
  }
}

export function statechartMarkdown(): string {
  const diagram: string[] = ['stateDiagram-v2'];
  render(authMachine.root, '  ', diagram);
  transitions(authMachine.root, diagram);
  const states: string[] = [];
  describeStates(authMachine.root, states);
  return [
    '# The auth statechart',
    '',
    'Generated from `src/machines/auth.machine.ts` by `npm run docs:statechart`; do not edit by hand.',
    'Guards are in brackets; `done:` and `error:` are the outcomes of the invoked services.',
    '',
    '```mermaid',
    ...diagram,
    '```',
    '',
    '## States',
    '',
    ...states,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(DOC, statechartMarkdown());
  console.log('wrote docs/statechart.md');
}
