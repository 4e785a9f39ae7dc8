import { compareComparabilityKeys, type HardwareClass, type LeaderboardIndexEntry } from '@fleetbench/protocol';
import { describeSettingsKey } from './settings-key';

export interface IndexClass {
  id: string;
  name: string;
  devices: number | null;
  /** Models with results, over all settings. */
  models: number;
  settings: { key: string; label: string; models: number }[];
}

/** The leaderboard index as picker data: classes by name, settings in natural order. */
export function indexClasses(
  index: readonly LeaderboardIndexEntry[],
  classes: readonly HardwareClass[] = [],
): IndexClass[] {
  const info = new Map(classes.map((c) => [c.id, c]));
  const byClass = new Map<string, IndexClass>();
  for (const e of index) {
    let c = byClass.get(e.hardwareClassId);
    if (!c) {
      const i = info.get(e.hardwareClassId);
      c = {
        id: e.hardwareClassId,
        name: e.hardwareClassName || i?.name || e.hardwareClassId,
        devices: i?.devices ?? null,
        models: 0,
        settings: [],
      };
      byClass.set(e.hardwareClassId, c);
    }
    c.models = Math.max(c.models, e.models);
    c.settings.push({ key: e.settingsKey, label: describeSettingsKey(e.settingsKey), models: e.models });
  }
  for (const c of byClass.values()) c.settings.sort((a, b) => compareComparabilityKeys(a.key, b.key));
  return [...byClass.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Requested class/settings when they exist; else the class with the most models and its first settings. */
export function selectIndex(
  classes: readonly IndexClass[],
  want: { classId?: string; settingsKey?: string },
): { cls: IndexClass; settingsKey: string } | null {
  const cls =
    classes.find((c) => c.id === want.classId) ??
    classes.reduce<IndexClass | undefined>((b, c) => (!b || c.models > b.models ? c : b), undefined);
  if (!cls) return null;
  const s = cls.settings.find((x) => x.key === want.settingsKey) ?? cls.settings[0];
  return s ? { cls, settingsKey: s.key } : null;
}

/** Settings keys present on every one of the given classes (for comparisons), natural order. */
export function commonSettings(classes: readonly { settings: readonly { key: string }[] }[]): string[] {
  if (!classes.length) return [];
  const [first, ...rest] = classes;
  return first!.settings.map((s) => s.key).filter((k) => rest.every((c) => c.settings.some((s) => s.key === k)));
}
