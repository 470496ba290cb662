import { defaultProfileDir } from '../profile.js';

/** Options shared by `chat`, `send` and `read`. */
export interface CommonOptions {
  profileDir?: string;
  user?: string;
  fingerprint?: string;
}

/** Options of the non-interactive commands. */
export interface ScriptOptions extends CommonOptions {
  passwordStdin?: boolean;
}

export function profileDirOf(opts: CommonOptions): string {
  return opts.profileDir ?? defaultProfileDir();
}
