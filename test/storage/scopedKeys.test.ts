import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Item, parseScopedKey, quarantined, scopedKey, type Scope } from '../../src/storage/scopedKeys.js';

// Any well-formed text, including '/', '%', ':' and non-ASCII, as names and items.
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const tricky = fc.constantFrom('a/b', 'a%2Fb', '%', 'session', 'session.quarantined', 'app', 'group', ':', ' ', 'ä', '🔑');
const name = fc.oneof(text, tricky, fc.tuple(tricky, text).map(([a, b]) => a + b));
const scope = fc.record({ kind: fc.constantFrom<Scope['kind']>('app', 'group'), name });
const item = fc.oneof(fc.constantFrom(...Object.values(Item), quarantined(Item.session)), name);

describe('stored key names', () => {
  it('never give two different (scope, item) pairs the same key', () => {
    fc.assert(
      // The second pair is often the first with one part changed, where a collision would hide.
      fc.property(
        fc.tuple(scope, item).chain(([s, i]) =>
          fc.tuple(
            fc.constant(s),
            fc.constant(i),
            fc.oneof(fc.constant(s), scope, fc.constant({ kind: s.kind === 'app' ? 'group' : 'app', name: s.name } as Scope)),
            fc.oneof(fc.constant(i), item),
          ),
        ),
        ([s1, i1, s2, i2]) => {
        const same = s1.kind === s2.kind && s1.name === s2.name && i1 === i2;
        expect(scopedKey(s1, i1) === scopedKey(s2, i2)).toBe(same);
      },
      ),
      { numRuns: 5000 },
    );
  });

  it('can always be taken apart again into their scope and item', () => {
    fc.assert(
      fc.property(scope, item, (s, i) => {
        expect(parseScopedKey(scopedKey(s, i))).toEqual({ scope: s, item: i });
      }),
      { numRuns: 5000 },
    );
  });

  it('keep an app and a group of the same name apart', () => {
    expect(scopedKey({ kind: 'app', name: 'x' }, Item.session)).not.toBe(scopedKey({ kind: 'group', name: 'x' }, Item.session));
  });

  it('read plainly for ordinary names', () => {
    expect(scopedKey({ kind: 'group', name: 'com.example.shared' }, Item.session)).toBe(
      'cognito-auth-machine/group/com.example.shared/session',
    );
    expect(scopedKey({ kind: 'app', name: 'my/app' }, Item.accessGroup)).toBe('cognito-auth-machine/app/my%2Fapp/access-group');
  });

  it('are not mistaken for keys of other libraries', () => {
    expect(parseScopedKey('other/app/x/session')).toBeUndefined();
    expect(parseScopedKey('cognito-auth-machine/app/x')).toBeUndefined();
    expect(parseScopedKey('cognito-auth-machine/user/x/session')).toBeUndefined();
  });
});
