// docs/testing.md shows the testing kit's example as it runs in the suite: the guide's block is
// examples/testing/appFlows.test.ts word for word, with the package's name for the source path.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(`${ROOT}${file}`, 'utf8');

describe('docs/testing.md', () => {
  it("shows the example that runs in the suite, as it is", () => {
    const example = read('examples/testing/appFlows.test.ts').replace("'../../src/testing/index.js'", "'cognito-auth-machine/testing'");
    const blocks = [...read('docs/testing.md').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(blocks).toContain(example);
  });

  it('is linked from the README and published', () => {
    expect(read('README.md')).toContain('(docs/testing.md)');
    expect(JSON.parse(read('package.json')).files).toContain('docs/testing.md');
  });
});
