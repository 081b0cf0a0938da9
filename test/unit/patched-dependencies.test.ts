import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * patches/ holds fixes to dependencies, applied by patch-package at every install (npm's
 * postinstall). An install that skipped them would still work, only slower: this notices.
 */
describe('patched dependencies', () => {
  it('oidc-provider builds its access-token errors only when it throws one (patches/oidc-provider+*.patch)', () => {
    // Unpatched, every userinfo request built three InvalidToken errors (six stack captures) it then dropped: ~15 % of its CPU.
    const source = fs.readFileSync(path.join(root, 'node_modules/oidc-provider/lib/shared/access_token.js'), 'utf8');
    expect(source).not.toMatch(/ctx\.assert\([^)]*new InvalidToken/);
    expect(source.match(/if \(!(accessToken|client|account)\) throw new InvalidToken/g)).toHaveLength(3);
  });
});
