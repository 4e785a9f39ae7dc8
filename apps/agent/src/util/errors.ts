/** Stable failure codes an agent reports in a `failed` job event (the hub shows them to the user). */
export type AgentErrorCode =
  | 'provider-unavailable'
  | 'checksum-mismatch'
  | 'download-failed'
  | 'model-load-failed'
  | 'unsupported-input'
  // The model's scored output does not fit the dataset's labels (class count, class axis, label range).
  | 'output-mismatch'
  | 'unsupported-mode'
  | 'run-failed'
  | 'timeout'
  | 'cancelled'
  | 'outbox-failed'
  | 'config-invalid'
  | 'enroll-failed'
  | 'dataset-invalid'
  | 'preprocess-failed'
  | 'runner-missing'
  | 'internal';

/** One error type with a code; the message is a sentence the user can act on. */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentError';
  }
}

export function toAgentError(err: unknown, fallback: AgentErrorCode = 'internal'): AgentError {
  if (err instanceof AgentError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AgentError(fallback, message, { cause: err });
}
