import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderIni, RenderError } from '../../src/render/ini.ts';
import { context, gosub } from '../../src/render/dialplan.ts';

// The schemas refuse these values; the renderer refuses them again so that a future schema
// mistake cannot become an injected line in an Asterisk file.
test('ini values with a newline, ; or [ are refused by the renderer itself', () => {
  for (const bad of ['a\nb', 'a;b', '[evil]', 'a\rb']) {
    assert.throws(() => renderIni('h', [{ name: 'x', owner: 'extension 201', entries: [['password', bad]] }]), (e: unknown) => e instanceof RenderError && e.owner === 'extension 201', JSON.stringify(bad));
  }
});

test('section names and dialplan arguments are restricted', () => {
  assert.throws(() => renderIni('h', [{ name: 'a]\n[b', owner: 'o', entries: [] }]), RenderError);
  const c = context('pbx-test');
  assert.throws(() => gosub(c, '201', 'pbx-lib-ext', ['201)\nexten => 1,1,System(id)'], 'extension 201'), RenderError);
  assert.throws(() => gosub(c, '201', 'pbx-lib-ext', ['${SHELL(id)}'], 'extension 201'), RenderError);
});
