/**
 * The auth statechart's config as JSON, for Stately's tools (Studio's import, the inspector,
 * `createMachine(json)`). `JSON.stringify(authMachine.config)` silently drops the two kinds of
 * function the config holds: the context factory and the invokes' `input` mappers. XState gives
 * neither a named form (`setup()` names actions, guards, actors and delays only), so this export
 * writes the context out as the value it starts with, and lists each input mapper it leaves out.
 * It lists the timers' delays too: the config names them (`after: { untilRenewalWindow: … }`),
 * but their functions live in `setup()`, and a machine loaded without them fires each timer at once.
 */
import { authMachine, type AuthMachineInput } from '../machines/auth.machine.js';

/** What {@link authMachineJSON} gives. */
export interface AuthMachineJSON {
  /**
   * The machine's config, JSON-safe: states, transitions, tags and descriptions as written;
   * actions, guards, actors and delays by their names; the context as the value it starts with.
   */
  config: Record<string, unknown>;
  /**
   * What the config holds that JSON cannot: one line per function left out, e.g.
   * `auth.federating: invoke federateToIdentityPool's input (a function of the event or context)`,
   * or named only, e.g. `auth.federated.active: after untilRenewalWindow's delay (…)`.
   */
  notExported: string[];
}

/**
 * The auth statechart's config as JSON that Stately's tools import: `JSON.stringify(config)`
 * loses nothing but what `notExported` lists (the invokes' input mappers, and the timers' delay
 * functions, which the JSON names but does not hold: give them as `provide({ delays })`, or a
 * loaded machine's timers fire at once). The context factory is replaced by the context it makes
 * from `input`.
 *
 * @example
 * const { config, notExported } = authMachineJSON();
 * writeFileSync('auth.machine.json', JSON.stringify(config, null, 2));
 */
export function authMachineJSON(input: AuthMachineInput = { allowGuestAccess: false, sharedSession: false }): AuthMachineJSON {
  const notExported: string[] = [];
  const root = authMachine.config as unknown as Record<string, unknown>;
  const id = String(root.id ?? 'auth');

  function copy(value: unknown, where: string, key: string): unknown {
    if (typeof value === 'function') {
      notExported.push(`${where}: ${key} (a function)`);
      return undefined;
    }
    if (Array.isArray(value)) return value.map((item, i) => copy(item, where, `${key}[${i}]`));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const copied = copy(v, where, k);
      if (copied !== undefined) out[k] = copied;
    }
    return out;
  }

  function state(config: Record<string, unknown>, stateId: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      if (key === 'states' && value && typeof value === 'object') {
        out.states = Object.fromEntries(
          Object.entries(value as Record<string, Record<string, unknown>>).map(([name, child]) => [
            name,
            state(child, typeof child.id === 'string' ? child.id : `${stateId}.${name}`),
          ]),
        );
      } else if (key === 'invoke') {
        out.invoke = (Array.isArray(value) ? value : [value]).map((call: Record<string, unknown>) => {
          const { input: mapper, ...rest } = call;
          if (typeof mapper === 'function') notExported.push(`${stateId}: invoke ${String(call.id ?? call.src)}'s input (a function of the event or context)`);
          return copy(typeof mapper === 'function' ? rest : call, stateId, 'invoke');
        });
        if (!Array.isArray(value)) out.invoke = (out.invoke as unknown[])[0];
      } else if (key === 'after' && value && typeof value === 'object') {
        // A named delay's function is in setup(), not the config: JSON keeps the name only.
        for (const delay of Object.keys(value)) {
          if (!/^\d+$/.test(delay)) notExported.push(`${stateId}: after ${delay}'s delay (a function of the context and the clock, named only)`);
        }
        out.after = copy(value, stateId, key);
      } else if (key === 'context' && typeof value === 'function') {
        out.context = copy((value as (args: { input: AuthMachineInput }) => unknown)({ input }), stateId, 'context');
      } else {
        const copied = copy(value, stateId, key);
        if (copied !== undefined) out[key] = copied;
      }
    }
    return out;
  }

  return { config: state(root, id), notExported };
}
