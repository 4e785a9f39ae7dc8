import type { Logger } from 'pino';
import type { BrokerAuthority } from './broker.types';

export interface EmqxApiConfig {
  /** Base URL of EMQX's REST API, e.g. http://emqx:18083. */
  url: string;
  /** An API key created in EMQX (Dashboard → System → API Keys): its key and secret, sent as HTTP Basic auth. */
  key: string;
  secret: string;
}

/** How long one call to EMQX may take before the revocation is reported as unconfirmed. */
const EMQX_API_TIMEOUT_MS = 10_000;

/**
 * The broker side of enrolment and revocation with EMQX. EMQX asks the hub's HTTP hooks on every connect and (after
 * its authorization cache, up to a minute) every publish/subscribe, and the hooks read the database, so nothing needs
 * provisioning; a revoked device's live session is kicked through EMQX's REST API (`DELETE /api/v5/clients/{id}`;
 * agents connect with client id = agent id), so it loses access at once instead of when the cache expires.
 */
export class EmqxBrokerAuthority implements BrokerAuthority {
  constructor(
    private readonly api: EmqxApiConfig,
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async provisionAgent(_agentId: string, _password: string): Promise<void> {}

  async revokeAgent(agentId: string): Promise<void> {
    const url = new URL(`api/v5/clients/${encodeURIComponent(agentId)}`, this.api.url.replace(/\/?$/, '/'));
    const auth = Buffer.from(`${this.api.key}:${this.api.secret}`).toString('base64');
    const res = await this.fetchImpl(url, {
      method: 'DELETE',
      headers: { authorization: `Basic ${auth}` },
      signal: AbortSignal.timeout(EMQX_API_TIMEOUT_MS),
    });
    // 404: the agent is not connected, which is what revocation wants.
    if (res.status === 204 || res.status === 200 || res.status === 404) {
      this.logger.info({ agentId, connected: res.status !== 404 }, 'emqx: revoked agent disconnected');
      return;
    }
    throw new Error(`EMQX did not disconnect ${agentId}: ${url.origin}${url.pathname} answered HTTP ${res.status}`);
  }
}
