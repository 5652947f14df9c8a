// What the unit tests of rendering share: a render context with placeholder paths and secrets,
// and a device whose password the model accepts.
import type { RenderContext } from '../../src/render/index.ts';

export const TEST_RENDER_CONTEXT: RenderContext = {
  instanceDir: '/srv/pbx',
  moduleDir: '/usr/lib/x86_64-linux-gnu/asterisk/modules',
  sipBindAddress: '0.0.0.0',
  amiPort: 5038,
  amiUser: 'pbx',
  amiSecret: 'ami-secret',
  ariPort: 8088,
  ariUser: 'pbx',
  ariPassword: 'ari-secret',
  deviceQualifySeconds: 60,
};

/** A device of user `u` with a password strong enough for the model. */
export const testDevice = (u: string) => ({ username: u, password: `Qz7-Lmw-Tx4-${u.length}` });
