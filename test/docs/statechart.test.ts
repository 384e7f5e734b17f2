import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statechartMarkdown } from '../../scripts/statechart.js';

describe('docs/statechart.md', () => {
  it('is the diagram the machine generates today (run npm run docs:statechart after changing the machine)', () => {
    const onDisk = readFileSync(new URL('../../docs/statechart.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(statechartMarkdown());
  });
});
