// Golden tests of the phone files: every file of every phone in provisioning/model.yaml and
// every common file of every vendor, rendered for a phone reaching the box at 192.0.2.10:8080.
// UPDATE_GOLDEN=1 rewrites them; review the diff like code. XML files must be well-formed and
// key = value files must parse, whatever the template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { PROFILES } from '../../src/provisioning/vendors/index.ts';
import { phoneFileList, renderCommonFile, renderPhoneFile } from '../../src/provisioning/render.ts';
import { xmlProblem } from '../../src/lib/xml.ts';
import { GOLDEN_DIR as here, GOLDEN_SERVER, goldenConfig } from '../lib/provisioning-golden.ts';

const config = goldenConfig();

/** Expected path of a rendered file: <vendor>/<name as requested> ('/' in names become folders). */
const rendered = new Map<string, { body: string; format: string }>();
for (const phone of config.phones) {
  const profile = PROFILES[phone.vendor];
  for (const f of phoneFileList(profile, phone)) {
    const r = renderPhoneFile(config, profile, phone, f.file, GOLDEN_SERVER)!;
    rendered.set(join(phone.vendor, f.name), { body: r.body, format: profile.files.find((s) => s.id === f.file)!.format });
  }
}
for (const profile of Object.values(PROFILES)) {
  for (const c of profile.commonFiles) {
    const m = profile.match(c.example);
    assert.ok(m && m.kind === 'common' && m.file === c.id, `${profile.vendor}: ${c.example} must match common file ${c.id}`);
    const r = renderCommonFile(config, profile, c.id, c.example, GOLDEN_SERVER, m.model)!;
    rendered.set(join(profile.vendor, 'common', c.example), { body: r.body, format: c.format });
  }
}

const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)])) : [];

if (process.env.UPDATE_GOLDEN) {
  for (const [name, r] of rendered) {
    mkdirSync(dirname(join(here, name)), { recursive: true });
    writeFileSync(join(here, name), r.body);
  }
}

test('phone files: exactly the expected set', () => {
  const expected = files(here).map((f) => relative(here, f)).filter((f) => f !== 'model.yaml').sort();
  assert.deepEqual([...rendered.keys()].sort(), expected);
});

for (const [name, r] of [...rendered].sort(([a], [b]) => a.localeCompare(b))) {
  test(`golden phone file: ${name}`, () => {
    assert.equal(r.body, readFileSync(join(here, name), 'utf8'));
    if (r.format === 'xml') assert.equal(xmlProblem(r.body), undefined, `${name} must be well-formed XML`);
    else
      for (const line of r.body.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        assert.match(line, /^(?:[A-Za-z0-9_.]+ = .*|include:config ".+")$/, `${name}: "${line}" must be key = value`);
      }
  });
}
