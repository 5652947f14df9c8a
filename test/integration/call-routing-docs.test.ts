// docs/call-routing.md and docs/user-services.md are applied as written: the ```yaml doc-config
// fragments of each page, joined (lists of the same key concatenated, objects merged), go
// through `pbxctl apply -f` to a real Asterisk, which must take every object (apply verifies
// the contexts, queues and the other objects it can see exist).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startPbx, type PbxInstance } from '../lib/pbx.ts';

const DOCS = join(import.meta.dirname, '../../docs');

type Obj = Record<string, unknown>;
function merge(into: Obj, from: Obj): Obj {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (Array.isArray(cur) && Array.isArray(v)) into[k] = [...cur, ...v];
    else if (cur && v && typeof cur === 'object' && typeof v === 'object' && !Array.isArray(v)) into[k] = merge({ ...(cur as Obj) }, v as Obj);
    else into[k] = v;
  }
  return into;
}

function docConfig(page: string): Obj {
  const blocks = [...readFileSync(join(DOCS, page), 'utf8').matchAll(/```yaml doc-config\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Obj);
  assert.ok(blocks.length >= 6, 'the page has its configuration fragments');
  return blocks.reduce((acc, b) => merge(acc, b), {} as Obj);
}

let pbx: PbxInstance;
before(async () => {
  pbx = await startPbx({ system: { name: 'docs' } });
});
after(async () => {
  await pbx?.stop();
});

const PAGES = {
  'call-routing.md': ['timeConditions', 'switches', 'prompts', 'ivrs', 'lookups', 'ringGroups', 'queues', 'announcements', 'disa', 'blockedCallers'],
  'user-services.md': ['extensions', 'voicemailBoxes', 'conferences', 'pagingGroups', 'mohClasses', 'ringGroups'],
};

for (const [page, keys] of Object.entries(PAGES)) {
  test(`the configuration of docs/${page} applies with pbxctl and Asterisk takes every object`, async () => {
    const config = docConfig(page);
    // The instance's own ports (a test box shares the machine).
    config.system = { ...(config.system as Obj), sipPort: pbx.sipPort, rtpStart: pbx.rtpStart, rtpEnd: pbx.rtpStart + 199 };
    const file = join(pbx.dataDir, page.replace('.md', '.yaml'));
    writeFileSync(file, stringify(config));
    const r = await pbx.pbxctl(['apply', '-f', file]);
    assert.equal(r.code, 0, `pbxctl apply: ${r.stdout}${r.stderr}`);
    const exported = parse((await pbx.pbxctl(['export'])).stdout) as Obj;
    for (const key of keys) {
      assert.deepEqual(
        (exported[key] as Obj[]).map((o) => o.name ?? o.number),
        (config[key] as Obj[]).map((o) => o.name ?? o.number),
        `${key} exported as applied`,
      );
    }
    const health = await pbx.health();
    assert.equal(health.parts.config?.state, 'applied');
    assert.equal(health.parts.config?.appliedRevision, health.parts.config?.revision);
  });
}
