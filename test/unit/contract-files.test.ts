import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OPENAPI_FILE, generateOpenApiDocument } from '../../src/openapi-document';

const root = path.resolve(__dirname, '../..');

describe('committed contract files', () => {
  it('keeps openapi/openapi.json equal to what the routes produce (run npm run openapi)', async () => {
    const committed = fs.readFileSync(path.join(root, OPENAPI_FILE), 'utf8');
    expect(committed === (await generateOpenApiDocument())).toBe(true);
  });

  it('never edits a landed migration (migrations/frozen.json holds their hashes)', () => {
    const frozen = JSON.parse(fs.readFileSync(path.join(root, 'migrations/frozen.json'), 'utf8')) as Record<string, string>;
    for (const [file, hash] of Object.entries(frozen)) {
      const actual = createHash('sha256').update(fs.readFileSync(path.join(root, 'migrations', file))).digest('hex');
      expect({ file, hash: actual }).toEqual({ file, hash });
    }
    const migrations = fs.readdirSync(path.join(root, 'migrations')).filter((f) => /^\d{4}_.*\.ts$/.test(f));
    expect(migrations.sort()).toEqual(Object.keys(frozen).sort());
  });
});
