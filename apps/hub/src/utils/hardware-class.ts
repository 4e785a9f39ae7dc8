import { hardwareClassKey, hardwareClassName, type Hardware } from '@fleetbench/protocol';
import { sha256Hex } from './crypto';

/** Hardware class identity: id = first 12 hex chars of sha256(hardwareClassKey). */
export function hardwareClassOf(hw: Hardware): { id: string; key: string; name: string } {
  const key = hardwareClassKey(hw);
  return { id: `hc-${sha256Hex(key).slice(0, 12)}`, key, name: hardwareClassName(hw) };
}
