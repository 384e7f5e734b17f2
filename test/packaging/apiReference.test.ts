import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiDocsDir, generateApiDocs, normalise, readTree } from '../../scripts/apiDocs.js';

describe('docs/api/', () => {
  it('is the API reference TypeDoc generates from the doc comments today (run npm run docs:api after changing the public API or its comments)', async () => {
    const { files: generated } = await generateApiDocs({ quiet: true });
    const onDisk = existsSync(apiDocsDir) ? readTree(apiDocsDir) : new Map<string, string>();
    expect([...onDisk.keys()]).toEqual([...generated.keys()]);
    for (const [path, text] of generated) expect(normalise(onDisk.get(path) ?? ''), `docs/api/${path}`).toBe(text);
  }, 180_000);
});
