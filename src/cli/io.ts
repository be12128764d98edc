// How a command talks to the person and tells the shell how it went.

/** The exit codes kubectl-mscred documents in --help. */
export const EXIT = {
  ok: 0,
  /** It could not be done: API error, not found, not confirmed. */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** login: the credential is Broken. */
  broken: 3,
  /** login: neither Ready nor Broken in time. */
  timedOut: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface Io {
  /** A line on stdout. */
  out(line: string): void;
  /** A line on stderr. */
  err(line: string): void;
  /** Whether stdin is a terminal a person can answer on. */
  readonly interactive: boolean;
  /** Asks a yes/no question on the terminal; only when interactive. */
  confirm(question: string): Promise<boolean>;
  now(): Date;
}
