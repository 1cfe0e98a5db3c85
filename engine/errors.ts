/**
 * Typed errors. Only the CLI turns them into exit codes (see README "Exit codes").
 * A user error never prints a stack trace; an InternalError does only with -vvv.
 */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  HOST_FAILED: 2,
  /** A command line the parser refuses (unknown option, missing value): argparse's 2, as ansible-playbook. */
  USAGE: 2,
  HOST_UNREACHABLE: 4,
  BAD_OPTIONS: 5,
  BAD_INPUT: 6,
  INTERRUPTED: 99,
  INTERNAL: 250,
} as const;

export class VirtplayError extends Error {
  readonly exitCode: number = EXIT.ERROR;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A position in a user's file, 1-based line and column. */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

export function formatPos(pos: SourcePos): string {
  if (pos.line === undefined) return pos.file;
  return `${pos.file}:${pos.line}:${pos.col ?? 1}`;
}

/** Bad playbook, inventory or vars file: names file:line:col and what was expected. */
export class InputError extends VirtplayError {
  override readonly exitCode: number = EXIT.BAD_INPUT;
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(pos ? `${formatPos(pos)}: ${message}` : message);
  }
}

/**
 * Bad command-line options (bad -e, --limit matching nothing, missing file). The code is 5 unless
 * ansible-playbook gives another for the same mistake (a missing playbook or -e @file: 1).
 */
export class OptionsError extends VirtplayError {
  override readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.BAD_OPTIONS) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The transport to a host failed: connect, auth, host key, dropped connection. */
export class UnreachableError extends VirtplayError {
  override readonly exitCode: number = EXIT.HOST_UNREACHABLE;
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(`${host}: ${message}`);
  }
}

/** A task failed on a host (and, where it applies, on one guest). */
export class TaskError extends VirtplayError {
  override readonly exitCode: number = EXIT.HOST_FAILED;
  /** The message without the guest's name: for a report that names the guest already. */
  readonly reason: string;
  constructor(
    message: string,
    readonly guest?: string,
  ) {
    super(guest ? `guest ${JSON.stringify(guest)}: ${message}` : message);
    this.reason = message;
  }
}

export class InterruptedError extends VirtplayError {
  override readonly exitCode: number = EXIT.INTERRUPTED;
}

export class InternalError extends VirtplayError {
  override readonly exitCode: number = EXIT.INTERNAL;
}
