/**
 * Writes docs/statechart.md: the auth statechart as Mermaid diagrams, generated from the machine
 * itself: a small overview of the top-level states, then the full chart. `npm run
 * docs:statechart` rewrites it; a test fails when it is stale, and another parses every diagram
 * with Mermaid's own parser.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { authMachine } from '../src/machines/auth.machine.js';

/** A transition of the chart: from a state to a target, with what triggers it. */
interface Arrow {
  source: AnyStateNode;
  target: AnyStateNode;
  eventType: string;
  guard: string;
}

/**
 * The Mermaid id of a state: its path joined with `_`. Mermaid ids are single words, so any other
 * character becomes `_`; the state's own name is shown as its label.
 */
function stateId(node: AnyStateNode): string {
  return node.path.map((key) => key.replace(/\W/g, '_')).join('_') || 'root';
}

/** Text that Mermaid reads as plain label text: no statement separators or comment marks. */
function labelText(text: string): string {
  return text.replace(/[;#%{}"\n]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** A simple state: its id, and its name as label when the id is not the name itself. */
function simpleState(node: AnyStateNode): string {
  const id = stateId(node);
  return id === node.key ? id : `${id} : ${labelText(node.key)}`;
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function eventLabel(eventType: string): string {
  if (eventType === '') return 'always';
  return eventType
    .replace(/^xstate\.done\.actor\./, 'done: ')
    .replace(/^xstate\.error\.actor\./, 'error: ')
    .replace(/^xstate\.done\.state\..*$/, 'done')
    .replace(/^xstate\.after\.([^.]+)\..*$/, 'after $1');
}

/** The short label of the overview: a call's event, or just the outcome of a service or timer. */
function overviewLabel(eventType: string): string {
  const label = eventLabel(eventType);
  return label.startsWith('done: ') ? 'done' : label.startsWith('error: ') ? 'error' : label;
}

function guardLabel(guard: unknown): string {
  if (!guard) return '';
  const type = typeof guard === 'string' ? guard : (guard as { type?: unknown }).type;
  return typeof type === 'string' ? ` [${type}]` : '';
}

/** Every transition with a target, of `node` and the states below it, in document order. */
function arrowsOf(node: AnyStateNode): Arrow[] {
  const arrows: Arrow[] = [];
  const add = (eventType: string, list: readonly { target?: readonly AnyStateNode[] | undefined; guard?: unknown }[]) => {
    for (const t of list) {
      for (const target of t.target ?? []) arrows.push({ source: node, target, eventType, guard: guardLabel(t.guard) });
    }
  };
  for (const [eventType, list] of node.transitions) add(eventType, list);
  add('', node.always ?? []);
  for (const child of childrenOf(node)) arrows.push(...arrowsOf(child));
  return arrows;
}

function initialOf(node: AnyStateNode): AnyStateNode | undefined {
  return node.initial?.target?.[0] as AnyStateNode | undefined;
}

/** The states of `node`, nested as Mermaid composite states, with initial and final markers. */
function renderStates(node: AnyStateNode, indent: string, lines: string[]): void {
  const children = childrenOf(node);
  children.forEach((child, index) => {
    // The regions of a parallel state are separated by `--` in Mermaid.
    if (node.type === 'parallel' && index > 0) lines.push(`${indent}--`);
    const id = stateId(child);
    if (childrenOf(child).length > 0) {
      lines.push(id === child.key ? `${indent}state ${id} {` : `${indent}state "${labelText(child.key)}" as ${id} {`);
      renderStates(child, `${indent}  `, lines);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}${simpleState(child)}`);
    }
    if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
  });
  const initial = initialOf(node);
  if (initial && node.type !== 'parallel') lines.push(`${indent}[*] --> ${stateId(initial)}`);
}

/** The full chart: every state and every transition, with guards. */
function fullDiagram(machine: AnyStateMachine): string[] {
  const lines = ['stateDiagram-v2'];
  renderStates(machine.root, '  ', lines);
  for (const { source, target, eventType, guard } of arrowsOf(machine.root)) {
    lines.push(`  ${stateId(source)} --> ${stateId(target)} : ${labelText(eventLabel(eventType) + guard)}`);
  }
  return lines;
}

/** The top-level state that holds `node` (itself, when it is one). */
function topLevelOf(node: AnyStateNode): AnyStateNode {
  let top = node;
  while (top.parent?.parent) top = top.parent;
  return top;
}

/** Whether an arrow belongs to the overview's main flow: a call or a success, taken without a condition. */
function isMainArrow({ eventType, guard }: Arrow): boolean {
  return guard === '' && !eventType.startsWith('xstate.error.') && eventType !== '';
}

/**
 * The overview: the top-level states only, and an arrow from one to another wherever a call or a
 * success leads there without a condition. A state that only a condition or a failure reaches
 * gets its first such way in, so that no state stands alone.
 */
function overviewDiagram(machine: AnyStateMachine): string[] {
  const lines = ['stateDiagram-v2'];
  const states = childrenOf(machine.root);
  for (const state of states) lines.push(`  ${simpleState(state)}`);
  const initial = initialOf(machine.root);
  if (initial) lines.push(`  [*] --> ${stateId(initial)}`);

  const between = arrowsOf(machine.root)
    .map((arrow) => ({ arrow, from: topLevelOf(arrow.source), to: topLevelOf(arrow.target) }))
    .filter(({ from, to }) => from !== to && from !== machine.root && to !== machine.root);
  const shown = between.filter(({ arrow }) => isMainArrow(arrow));
  for (const state of states) {
    if (state === initial || shown.some(({ to }) => to === state)) continue;
    const firstWayIn = between.find(({ to }) => to === state);
    if (firstWayIn) shown.push(firstWayIn);
  }

  const edges = new Map<string, Set<string>>();
  for (const { arrow, from, to } of between) {
    if (!shown.some((s) => s.arrow === arrow)) continue; // keeps the chart's order
    const key = `${stateId(from)} --> ${stateId(to)}`;
    edges.set(key, (edges.get(key) ?? new Set<string>()).add(overviewLabel(arrow.eventType)));
  }
  for (const [edge, labels] of edges) lines.push(`  ${edge} : ${labelText([...labels].join(', '))}`);
  for (const state of states) if (state.type === 'final') lines.push(`  ${stateId(state)} --> [*]`);
  return lines;
}

function describeStates(node: AnyStateNode, out: string[]): void {
  for (const child of childrenOf(node)) {
    const tags = child.tags.length ? ` (${child.tags.join(', ')})` : '';
    if (child.description) out.push(`- \`${child.path.join('.')}\`${tags}: ${child.description}`);
    describeStates(child, out);
  }
}

/** The Markdown of docs/statechart.md for `machine` (the auth machine unless told otherwise). */
export function statechartMarkdown(machine: AnyStateMachine = authMachine): string {
  const states: string[] = [];
  describeStates(machine.root, states);
  return [
    '# The auth statechart',
    '',
    'Generated from `src/machines/auth.machine.ts` by `npm run docs:statechart`; do not edit by hand.',
    '',
    '## At a glance',
    '',
    'The top-level states and the main ways between them: the calls (`federate`, `signIn`, …) and',
    'the successful outcome (`done`) of the service a state runs. A state reached only on a',
    'condition or a failure shows its first way in; all the others are in the full chart below.',
    '',
    '```mermaid',
    ...overviewDiagram(machine),
    '```',
    '',
    '## The full chart',
    '',
    'Every state and transition. Guards are in brackets; `done:` and `error:` are the outcomes of the invoked services.',
    '',
    '```mermaid',
    ...fullDiagram(machine),
    '```',
    '',
    '## States',
    '',
    ...states,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(fileURLToPath(new URL('../docs/statechart.md', import.meta.url)), statechartMarkdown());
  console.log('wrote docs/statechart.md');
}
