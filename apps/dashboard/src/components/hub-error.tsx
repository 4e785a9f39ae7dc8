import { describeHubProblem, type HubProblem } from '../lib/hub/errors';

/** A hub failure as a clear message: which hub, what happened, what to do. */
export function HubErrorNotice({ problem }: { problem: HubProblem }) {
  const { title, hint } = describeHubProblem(problem);
  return (
    <div className="notice notice-error" role="alert" data-testid="hub-error" data-kind={problem.kind}>
      <strong>{title}</strong>
      <p>{hint}</p>
      {problem.kind === 'unreachable' && problem.detail ? <p className="muted small mono">{problem.detail}</p> : null}
    </div>
  );
}
