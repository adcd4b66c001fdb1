// A configuration mistake: one line naming the file (or the setting) and the problem; exit 78.
import { Data } from "effect"

export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {
  /** EX_CONFIG from sysexits.h: the conventional exit code for a configuration error. */
  static readonly exitCode = 78
}
