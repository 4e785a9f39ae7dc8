import { readFileSync } from 'node:fs';
import { generateOpenApi, OPENAPI_FILE, serialize } from './openapi';

it('the committed apps/hub/openapi.json matches what the app generates (run `npm run openapi` after changing routes)', async () => {
  const doc = await generateOpenApi();
  expect(Object.keys(doc.paths).sort()).toEqual(
    expect.arrayContaining([
      '/api/v1/health',
      '/api/v1/agents/enroll',
      '/api/v1/models',
      '/api/v1/artifacts/{sha256}',
      '/api/v1/leaderboard',
    ]),
  );
  expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(serialize(doc));
});
