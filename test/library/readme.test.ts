import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README library example', () => {
  it('should show exactly the code of test/library/example.test.ts', () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = readFileSync('test/library/example.test.ts', 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });
});
