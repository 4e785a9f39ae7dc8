import { z } from 'zod';
import { API_PREFIX } from './rest';

/**
 * HTTP hooks the hub serves to an external EMQX 5 broker (HTTP authentication and HTTP authorization), so EMQX
 * enforces the same credentials and topic ownership as the embedded broker. `deploy/emqx/emqx.conf` calls these
 * paths with the header below; a test checks that file against these constants.
 */
export const brokerHookPaths = {
  /** POST EmqxAuthnRequest → EmqxAuthnResponse (EMQX `authentication`, mechanism password_based, backend http). */
  emqxAuthenticate: `${API_PREFIX}/broker/emqx/authenticate`,
  /** POST EmqxAuthzRequest → EmqxAuthzResponse (EMQX `authorization.sources`, type http). */
  emqxAuthorize: `${API_PREFIX}/broker/emqx/authorize`,
} as const;

/** Header that carries `FLEETBENCH_BROKER_HOOK_SECRET` on every hook call (not `Authorization`: EMQX's own OAuth2
 *  client option for HTTP authenticators claims that one). */
export const BROKER_HOOK_SECRET_HEADER = 'x-fleetbench-hook-secret';

/** A placeholder EMQX may render as an empty string or null when the client did not send it (e.g. no username). */
const OptionalField = z.string().max(65_535).nullish();

/** Body of EMQX's authentication call: `{ clientid: "${clientid}", username: "${username}", password: "${password}" }`
 *  (other placeholders, e.g. peerhost, are accepted and ignored). */
export const EmqxAuthnRequestSchema = z.object({
  clientid: z.string().max(65_535),
  username: OptionalField,
  password: OptionalField,
});
export type EmqxAuthnRequest = z.infer<typeof EmqxAuthnRequestSchema>;

/** Body of EMQX's authorization call: `{ clientid, username, topic, action }` rendered from its placeholders (qos,
 *  retain, peerhost… are accepted and ignored). `topic` is a topic name (publish) or filter (subscribe); EMQX passes
 *  a shared subscription `$share/{group}/{filter}` as its filter. */
export const EmqxAuthzRequestSchema = z.object({
  clientid: z.string().max(65_535),
  username: OptionalField,
  topic: z.string().min(1).max(65_535),
  action: z.enum(['publish', 'subscribe']),
});
export type EmqxAuthzRequest = z.infer<typeof EmqxAuthzRequestSchema>;

/** The hub answers allow or deny, never ignore: an unknown user is denied, so no later authenticator can admit it. */
export const EmqxHookResultSchema = z.enum(['allow', 'deny', 'ignore']);

/** 200 answer to an authentication call. The hub never makes anyone a superuser (its own account included). */
export const EmqxAuthnResponseSchema = z.object({
  result: EmqxHookResultSchema,
  is_superuser: z.boolean(),
});
export type EmqxAuthnResponse = z.infer<typeof EmqxAuthnResponseSchema>;

/** 200 answer to an authorization call. */
export const EmqxAuthzResponseSchema = z.object({ result: EmqxHookResultSchema });
export type EmqxAuthzResponse = z.infer<typeof EmqxAuthzResponseSchema>;
