// Inputs of the renderers besides the model: facts of the running instance (paths inside the
// rootfs, loopback ports and generated secrets of AMI/ARI). Passed in, never read from env.
export interface RenderContext {
  /** Where the instance's own directories appear inside the rootfs (e.g. /srv/pbx). */
  instanceDir: string;
  /** Asterisk's module directory inside the rootfs. */
  moduleDir: string;
  sipBindAddress: string;
  amiPort: number;
  amiUser: string;
  amiSecret: string;
  ariPort: number;
  ariUser: string;
  ariPassword: string;
  /** OPTIONS interval towards registered devices; 0 disables qualify. */
  deviceQualifySeconds: number;
}

/** An object Asterisk must hold after loading the files; how apply checks it took them. */
export interface ExpectedObject {
  /** "pjsip endpoint", "pjsip aor", ..., "dialplan context" */
  kind: string;
  id: string;
  /** The model object it comes from, named for people. */
  owner: string;
  /**
   * Asterisk may legitimately lack it for reasons outside the configuration (a carrier's host
   * name that does not resolve right now): its absence is a warning with this text, not a
   * refused apply that would freeze every other change.
   */
  optional?: string;
}

export interface RenderedConfig {
  files: Record<string, string>;
  expected: ExpectedObject[];
}
