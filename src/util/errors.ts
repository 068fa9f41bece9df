// The typed errors of genreview. Each failure kind has one class carrying its context; the CLI turns
// a `GenreviewError` into one clear message and exit status 2, and anything else into a crash report.

export class GenreviewError extends Error {
  /** The file the problem is in, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, options: { file?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.file = options.file;
  }
}

/** Malformed user input: a table, a rule, a flag value. */
export class InputError extends GenreviewError {}
/** A configuration that cannot be resolved or is inconsistent. */
export class ConfigError extends GenreviewError {}
/** Data that cannot be read: wrong sizes, dtypes, unreadable or empty files. */
export class DatasetError extends GenreviewError {}
/** A checkpoint or run folder that is missing, incomplete or inconsistent. */
export class CheckpointError extends GenreviewError {}
/** A graph that cannot be built: shape mismatches and unknown ops, named by layer. */
export class GraphError extends GenreviewError {}
/** Training that produced NaN or Inf. */
export class DivergenceError extends GenreviewError {}
