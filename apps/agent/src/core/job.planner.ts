import type { JobAssignMessage, JobMessage } from '@fleetbench/protocol';

/** What the agent is doing: at most one running job, the rest queued in arrival order. */
export interface JobQueueState {
  current: { jobId: string; attempt: number } | null;
  queue: JobAssignMessage[];
  /** `jobId#attempt` of recently finished jobs, so a redelivered assign (QoS 1 duplicate) does not run twice. */
  recent: string[];
}

export type PlannerInput = { type: 'message'; message: JobMessage } | { type: 'finished'; jobId: string };

export type Step =
  | { kind: 'start'; job: JobAssignMessage }
  | { kind: 'enqueue'; jobId: string; position: number }
  | { kind: 'abort-current'; jobId: string }
  | { kind: 'drop-queued'; jobId: string }
  | { kind: 'ignore'; jobId: string; reason: string };

export const RECENT_LIMIT = 200;

export const emptyState = (): JobQueueState => ({ current: null, queue: [], recent: [] });

const key = (jobId: string, attempt: number) => `${jobId}#${attempt}`;

/** Pure: compares the current state with an input and returns the next state and the steps to execute. */
export function plan(state: JobQueueState, input: PlannerInput): { state: JobQueueState; steps: Step[] } {
  if (input.type === 'finished') {
    if (state.current?.jobId !== input.jobId) return { state, steps: [] };
    const recent = [...state.recent, key(state.current.jobId, state.current.attempt)].slice(-RECENT_LIMIT);
    return startNext({ current: null, queue: state.queue, recent });
  }
  const msg = input.message;
  if (msg.kind === 'cancel') {
    if (state.current?.jobId === msg.jobId) return { state, steps: [{ kind: 'abort-current', jobId: msg.jobId }] };
    if (state.queue.some((j) => j.jobId === msg.jobId)) {
      return {
        state: { ...state, queue: state.queue.filter((j) => j.jobId !== msg.jobId) },
        steps: [{ kind: 'drop-queued', jobId: msg.jobId }],
      };
    }
    return { state, steps: [{ kind: 'ignore', jobId: msg.jobId, reason: 'not running or queued here' }] };
  }
  // assign
  if (state.current?.jobId === msg.jobId && state.current.attempt >= msg.attempt) {
    return { state, steps: [{ kind: 'ignore', jobId: msg.jobId, reason: 'already running' }] };
  }
  if (state.recent.includes(key(msg.jobId, msg.attempt))) {
    return { state, steps: [{ kind: 'ignore', jobId: msg.jobId, reason: 'already finished this attempt' }] };
  }
  const queuedIdx = state.queue.findIndex((j) => j.jobId === msg.jobId);
  if (queuedIdx >= 0) {
    if (state.queue[queuedIdx].attempt >= msg.attempt)
      return { state, steps: [{ kind: 'ignore', jobId: msg.jobId, reason: 'already queued' }] };
    const queue = [...state.queue];
    queue[queuedIdx] = msg;
    return { state: { ...state, queue }, steps: [{ kind: 'enqueue', jobId: msg.jobId, position: queuedIdx }] };
  }
  if (state.current === null && state.queue.length === 0) {
    return {
      state: { ...state, current: { jobId: msg.jobId, attempt: msg.attempt } },
      steps: [{ kind: 'start', job: msg }],
    };
  }
  const queue = [...state.queue, msg];
  return startNext({ ...state, queue }, [{ kind: 'enqueue', jobId: msg.jobId, position: queue.length - 1 }]);
}

function startNext(state: JobQueueState, steps: Step[] = []): { state: JobQueueState; steps: Step[] } {
  if (state.current !== null || state.queue.length === 0) return { state, steps };
  const [next, ...rest] = state.queue;
  return {
    state: { ...state, current: { jobId: next.jobId, attempt: next.attempt }, queue: rest },
    steps: [...steps, { kind: 'start', job: next }],
  };
}
