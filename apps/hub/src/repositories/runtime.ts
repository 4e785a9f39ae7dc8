/** Facts known only once the hub is up (broker URL, its own broker password), injected as RUNTIME. */
export interface HubRuntime {
  version: string;
  /** Broker URL handed to agents at enrollment. */
  mqttPublicUrl: string;
  /** Password of the hub's own MQTT client (`fleetbench-hub`) on the embedded broker; random per process. */
  hubBrokerPassword: string;
  /** REDIS_URL set: whether Redis answers now (GET /health); absent or null without Redis. */
  redis?: { healthy(): Promise<boolean> } | null;
}
export const RUNTIME = Symbol('RUNTIME');
export const HUB_MQTT_USERNAME = 'fleetbench-hub';
