/**
 * Errors about log files, naming the place: file, line and field.
 */

/** A log line that is not what the format requires. */
export class LogFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | null,
    readonly detail: string
  ) {
    super(`${file}:${line}${field === null ? '' : `:${field}`}: ${detail}`);
    this.name = 'LogFormatError';
  }
}

/** Refusal to overwrite an existing log without `--force`. */
export class LogExistsError extends Error {
  constructor(readonly file: string) {
    super(`${file} already exists (use --force to overwrite it)`);
    this.name = 'LogExistsError';
  }
}

/** A log file that cannot be opened for reading (missing, a directory, unreadable): names the path and the reason. */
export class LogOpenError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string
  ) {
    super(`cannot read log ${file}: ${reason}`);
    this.name = 'LogOpenError';
  }
}
