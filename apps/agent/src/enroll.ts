import {
  apiPaths,
  EnrollRequestSchema,
  EnrollResponseSchema,
  ErrorBodySchema,
  formatZodError,
  type EnrollResponse,
  type Hardware,
  type SoftwareFingerprint,
} from '@fleetbench/protocol';
import { saveAgentConfig, type AgentConfigFile } from './config';
import { AgentError } from './util/errors';

export interface EnrollOptions {
  hubUrl: string;
  token: string;
  name: string;
  tags: string[];
  configPath: string;
  dataDir?: string;
  hardware: Hardware;
  software: SoftwareFingerprint;
  fetchImpl?: typeof fetch;
}

/** Calls the hub's enroll route and saves the returned credentials in the config file (mode 0600). */
export async function enroll(opts: EnrollOptions): Promise<{ response: EnrollResponse; config: AgentConfigFile }> {
  const hubUrl = opts.hubUrl.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(hubUrl))
    throw new AgentError(
      'enroll-failed',
      `--hub must be an http(s) URL such as http://hub.local:4000, not "${opts.hubUrl}".`,
    );
  const body = EnrollRequestSchema.safeParse({
    token: opts.token,
    name: opts.name,
    hardware: opts.hardware,
    software: opts.software,
    tags: opts.tags,
  });
  if (!body.success)
    throw new AgentError('enroll-failed', `The enrollment request is invalid: ${formatZodError(body.error)}.`);
  const url = `${hubUrl}${apiPaths.enroll}`;
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body.data),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new AgentError(
      'enroll-failed',
      `Could not reach the hub at ${hubUrl} (${cause}). Check the URL and that the hub is running.`,
      { cause: err },
    );
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // handled below
  }
  if (!res.ok) {
    const parsed = ErrorBodySchema.safeParse(json);
    const hubMessage = parsed.success ? parsed.data.message : text.slice(0, 300) || res.statusText;
    const hint = res.status === 401 ? ' Ask the operator for a new enrollment token.' : '';
    throw new AgentError('enroll-failed', `The hub refused the enrollment (HTTP ${res.status}): ${hubMessage}${hint}`);
  }
  const parsed = EnrollResponseSchema.safeParse(json);
  if (!parsed.success)
    throw new AgentError(
      'enroll-failed',
      `The hub's answer is not a valid enrollment response (${json === undefined ? 'not JSON' : formatZodError(parsed.error)}); is ${hubUrl} a Fleetbench hub of a compatible version?`,
    );
  const response = parsed.data;
  const config: AgentConfigFile = {
    hubUrl,
    agentId: response.agentId,
    name: opts.name,
    mqtt: response.mqtt,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.tags.length ? { tags: opts.tags } : {}),
    ...(opts.hardware.peakGflops ? { peakGflops: opts.hardware.peakGflops } : {}),
  };
  await saveAgentConfig(opts.configPath, config);
  return { response, config };
}
