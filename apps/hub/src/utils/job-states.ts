import { JobStateSchema, type JobState } from '@fleetbench/protocol';

export const JOB_STATES: readonly JobState[] = JobStateSchema.options;
