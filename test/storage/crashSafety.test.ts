import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import { Item } from '../../src/storage/scopedKeys.js';
import { createFaultyStorage, createInspectableStorage, FAULT_MODES, type Fault } from './faultyStorage.js';
import {
  actualState,
  allChanges,
  APP,
  applyClear,
  applyStart,
  expectOnlyWholeRecords,
  GROUPS,
  KINDS,
  prepare,
  privateKey,
  sessionItems,
  sessionKey,
  storeFor,
  type Config,
  type Layout,
  type ModelState,
} from './scenario.js';
import { stored } from './sessions.js';

/** One start of the app over a faulty storage, maybe followed by a sign-out on the same instance. */
interface FaultyStart {
  config: Config;
  fault: Fault;
  clearAfterOpen: boolean;
}

interface Outcome {
  writes: number;
  struck: boolean;
}

/** What one start may have done to the storage: nothing, its move, or its move and its sign-out. */
type Effect = 'nothing' | 'move' | 'moveAndClear';

function possibleStates(initial: ModelState, starts: FaultyStart[], effects: Effect[][]): ModelState[] {
  let states = [initial];
  starts.forEach((start, i) => {
    states = states.flatMap((state) =>
      (effects[i] as Effect[]).map((effect) => {
        if (effect === 'nothing') return state;
        const moved = applyStart(state, start.config);
        return effect === 'move' ? moved : applyClear(moved, start.config);
      }),
    );
  });
  return states;
}

const sameState = (a: ModelState, b: ModelState) =>
  a.remembered === b.remembered && JSON.stringify([...a.sessions].sort()) === JSON.stringify([...b.sessions].sort());

/**
 * Starts the app over faulty storage once per entry of `starts`, then restarts it cleanly with
 * `last` and checks against the model: each interrupted start did all of its change or none of
 * it, so the session is whole in exactly the place the rules say, or deliberately absent; a
 * cleared session never comes back; no partial record is read as a session; open() never rejects.
 */
async function startWithFaults(layout: Layout, starts: FaultyStart[], last: Config): Promise<Outcome[]> {
  const backing = createInspectableStorage();
  const { state: initial, known } = await prepare(backing, layout);
  const effects: Effect[][] = [];
  const outcomes: Outcome[] = [];

  for (const start of starts) {
    const faulty = createFaultyStorage(backing, start.fault);
    const store = storeFor(faulty, start.config.to, start.config.migrate);
    const { session, problems } = await store.open();
    if (session !== null) expect(known).toContain(stored(session));
    for (const problem of problems) expect(isAuthError(problem, 'StorageError')).toBe(true);
    let cleared: boolean | undefined;
    if (start.clearAfterOpen) cleared = await store.clear().then(() => true, () => false);
    effects.push(
      cleared === true
        ? ['moveAndClear']
        : !faulty.struck
          ? ['move']
          : cleared === false
            ? ['nothing', 'move', 'moveAndClear']
            : ['nothing', 'move'],
    );
    outcomes.push({ writes: faulty.writes, struck: faulty.struck });
  }

  const restarted = storeFor(backing, last.to, last.migrate);
  const { session, problems } = await restarted.open();
  const expected = possibleStates(initial, starts, effects).map((state) => applyStart(state, last));
  const actual = actualState(backing.items);
  expect(expected.some((state) => sameState(state, actual)), JSON.stringify([...actual.sessions.keys()])).toBe(true);
  expect(stored(session)).toBe(actual.sessions.get(sessionKey(APP, last.to)) ?? null);
  expectOnlyWholeRecords(backing.items);
  expect(backing.items.has(privateKey(APP, Item.move))).toBe(false);
  if (!starts.some((s) => s.fault.mode === 'torn')) expect(problems).toEqual([]);

  await restarted.clear();
  expect(sameState(actualState(backing.items), applyClear(actual, last))).toBe(true);
  expect((await storeFor(backing, last.to, last.migrate).open()).session).toBeNull();
  return outcomes;
}

describe('crash safety of start-up moves', () => {
  it('keeps the session whole in one place, or deliberately absent, whatever write fails or crashes', async () => {
    let runs = 0;
    for (const change of allChanges()) {
      const config = { to: change.to, migrate: change.migrate };
      for (const clearAfterOpen of [false, true]) {
        // A fault-free start counts the writes there are to break.
        const noFault = { atWrite: Number.MAX_SAFE_INTEGER, mode: 'fail' } as const;
        const [{ writes }] = (await startWithFaults(change, [{ config, fault: noFault, clearAfterOpen }], config)) as [Outcome];
        for (let atWrite = 1; atWrite <= writes; atWrite += 1) {
          for (const mode of FAULT_MODES) {
            const [outcome] = await startWithFaults(change, [{ config, fault: { atWrite, mode }, clearAfterOpen }], config);
            expect(outcome?.struck).toBe(true);
            runs += 1;
          }
        }
      }
    }
    expect(runs).toBeGreaterThan(2000);
  });

  it('stays whole when the configuration changes between interrupted starts', async () => {
    const group = fc.constantFrom(...GROUPS);
    const config = fc.record({ to: group, migrate: fc.boolean() });
    const start = fc.record({
      config,
      fault: fc.record({ atWrite: fc.integer({ min: 1, max: 9 }), mode: fc.constantFrom(...FAULT_MODES) }),
      clearAfterOpen: fc.boolean(),
    });
    const layout = fc.record({ from: group, kind: fc.constantFrom(...KINDS), theirsIn: group });
    await fc.assert(
      fc.asyncProperty(layout, fc.array(start, { minLength: 1, maxLength: 4 }), config, async (l, starts, last) => {
        await startWithFaults(l, starts, last);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps one copy when a move crashes after the copy and the next start goes back to the old group', async () => {
    const layout: Layout = { from: 'team.one', kind: 'userPool', theirsIn: null };
    for (let atWrite = 1; ; atWrite += 1) {
      const backing = createInspectableStorage();
      const { known } = await prepare(backing, layout);
      const faulty = createFaultyStorage(backing, { atWrite, mode: 'crashAfter' });
      await storeFor(faulty, 'team.two', true).open();
      if (sessionItems(backing.items).size < 2) {
        expect(faulty.struck).toBe(true);
        continue;
      }
      // The crash came between the copy and the removal: the next start, configured back to
      // the old group without migrating, first finishes the move.
      const back = storeFor(backing, 'team.one', false);
      expect((await back.open()).session).toBeNull();
      expect([...actualState(backing.items).sessions.values()]).toEqual([...known]);
      const again = storeFor(backing, 'team.two', false);
      expect(known).toContain(stored((await again.open()).session));
      await again.clear();
      expect(sessionItems(backing.items).size).toBe(0);
      expect((await storeFor(backing, 'team.one', true).open()).session).toBeNull();
      return;
    }
  });
});
