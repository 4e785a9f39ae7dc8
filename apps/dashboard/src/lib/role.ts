import { roleAtLeast, type ApiRole } from '@fleetbench/protocol';

/** What the signed-in token's role lets the dashboard offer (the hub enforces the same; this only hides controls). */
export interface Abilities {
  role: ApiRole;
  /** Start, re-run and cancel campaigns; register models. */
  operate: boolean;
  /** Enrollment tokens, devices, API tokens. */
  administer: boolean;
}

export function abilitiesOf(role: ApiRole): Abilities {
  return { role, operate: roleAtLeast(role, 'operator'), administer: roleAtLeast(role, 'admin') };
}
