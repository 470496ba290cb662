import { defaultProfileDir, expandHome } from '../profile.js';

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

/** `--profile-dir` (a leading `~` expanded on Windows, see `expandHome`), else the platform's default. */
export function profileDirOf(opts: CommonOptions): string {
  return opts.profileDir !== undefined ? expandHome(opts.profileDir) : defaultProfileDir();
}
