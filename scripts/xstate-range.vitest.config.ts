/**
 * The test configuration of the xstate range check (scripts/xstate-range.sh): the project's own,
 * with `xstate` (and its subpaths) resolved to the copy in XSTATE_RANGE_PACKAGE, an xstate
 * package folder installed outside the project. `xstate/graph`, which the model-based test walks
 * the statechart with, came with xstate 5.20; for an older xstate it stays the development copy's
 * walker, while the machine under test, its actors and its events run on the older xstate.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import base from '../vitest.config.js';

const xstate = process.env.XSTATE_RANGE_PACKAGE;
if (!xstate || !existsSync(join(xstate, 'package.json'))) {
  throw new Error('XSTATE_RANGE_PACKAGE must name an installed xstate package folder.');
}
const subpaths = existsSync(join(xstate, 'graph')) ? '(/.*)?' : '(/(?!graph$).*)?';

export default mergeConfig(base, {
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    alias: [{ find: new RegExp(`^xstate${subpaths}$`), replacement: `${xstate}$1` }],
  },
});
