#!/usr/bin/env bash
# The README's test command (`npm test`): install what the tests need, build, then run every test.
# Extra arguments go to vitest, e.g. `npm test -- test/integration/harness.test.ts`.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run build --silent
# The single-file executable (dist/pkg), which test/integration/package-*.test.ts run: ~5 s, built
# once here rather than in each test file, which vitest runs in parallel.
node scripts/package-sea.mjs >/dev/null
# Tests, fixtures and the benchmark are TypeScript too: check them as strictly as src/.
npm run typecheck --silent
# exec: the exit status is vitest's own.
exec npx vitest run "$@"
