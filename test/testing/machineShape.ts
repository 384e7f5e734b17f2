import type { AnyStateMachine } from 'xstate';
import { getStateNodes } from 'xstate/graph';

/** Every transition of a machine, by state, event, guard, targets and actions, as names. */
export function transitions(machine: AnyStateMachine): string[] {
  const name = (x: unknown) => (typeof x === 'string' ? x : ((x as { type?: string } | undefined)?.type ?? typeof x));
  return [machine.root, ...getStateNodes(machine.root)].flatMap((node) => [
    ...[...node.transitions.entries()].flatMap(([event, list]) =>
      list.map((t) => `${node.id} ${event} [${t.guard ? name(t.guard) : ''}] -> ${(t.target ?? []).map((s) => s.id).join(',')} / ${t.actions.map(name).join(',')}`),
    ),
    `${node.id} entry ${node.entry.map(name).join(',')} exit ${node.exit.map(name).join(',')} tags ${[...node.tags].join(',')}`,
    ...node.invoke.map((i) => `${node.id} invokes ${String(i.src)} as ${i.id}`),
  ]).sort();
}
