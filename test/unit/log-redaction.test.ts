import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/lib/log.ts';

test('secrets never reach the log, however deep they sit', () => {
  let out = '';
  const sink = new Writable({ write(chunk, _enc, cb) { out += chunk; cb(); } });
  const log = createLogger({ destination: sink });
  log.info({ password: 'Top-Secret-1', device: { username: '201', password: 'Top-Secret-2' }, devices: [{ password: 'Top-Secret-3' }], amiSecret: 'Top-Secret-4', error: { details: { secret: 'Top-Secret-5' } } }, 'change');
  assert.doesNotMatch(out, /Top-Secret/, out);
  assert.match(out, /"username":"201"/);
  assert.match(out, /\[redacted\]/);
});
