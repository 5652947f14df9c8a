// The supervisor's Node flags are named twice: in src/daemon-config.ts (the benchmarks and the
// box's service read them) and in the Makefile's run target. They must not drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SUPERVISOR_NODE_FLAGS } from '../../src/daemon-config.ts';

test('the Makefile runs the supervisor with the flags of daemon-config.ts', () => {
  const makefile = readFileSync(join(REPO_ROOT, 'Makefile'), 'utf8');
  const line = /^SUPERVISOR_NODE_FLAGS\s*:=\s*(.*)$/m.exec(makefile);
  assert.ok(line, 'the Makefile defines SUPERVISOR_NODE_FLAGS');
  assert.deepEqual(line[1]!.trim().split(/\s+/), [...SUPERVISOR_NODE_FLAGS]);
  assert.match(makefile, /node \$\(SUPERVISOR_NODE_FLAGS\) src\/main\.ts/, 'make run uses them');
});
