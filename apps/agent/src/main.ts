// Library entry (package.json "main"): the pieces the CLI wires, for embedding and tests in other packages.
export { AgentDaemon, type DaemonOptions } from './daemon';
export { AgentCore } from './core/agent.core';
export type { ArtifactStore, Clock, ModelRunner, OutboxStore, Transport } from './core/ports';
export { OnnxRunner } from './runner/onnx-runner';
export { summarize } from './runner/stats';
export { loadAgentConfig, saveAgentConfig, type AgentConfig } from './config';
export { enroll } from './enroll';
export { main } from './cli';
