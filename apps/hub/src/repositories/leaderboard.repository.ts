import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

/** One (hardware class, comparability key, model) group, aggregated by PostgreSQL. */
export interface LeaderboardGroup {
  hardwareClassId: string;
  hardwareClassName: string;
  settingsKey: string;
  modelId: string;
  modelName: string;
  family: string | null;
  /** Valid results; the medians are over these, or over the flagged ones when the group has no valid result. */
  results: number;
  flaggedResults: number;
  devices: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  throughputIps: number;
  coldStartMs: number | null;
  peakRssBytes: number | null;
  gflops: number | null;
  peakShare: number | null;
  /** Median energy per image and average power over the basis results that measured energy; null when none did. */
  joulesPerInference: number | null;
  averageWatts: number | null;
  /** The energy sources behind those medians, sorted (empty when none). */
  energySources: string[];
  /** Median top-1 of the model's accuracy results on this class, else on any class; null when none. */
  measuredTop1: number | null;
  referenceTop1: number | null;
  /** Per-device median p50 over valid results: how many devices, lowest, highest, sample sd and mean. */
  spread: { devices: number; min: number; max: number; sd: number | null; mean: number } | null;
}

export interface DeviceModelMedians {
  deviceId: string;
  deviceName: string;
  hardwareClassId: string;
  settingsKey: string;
  modelId: string;
  modelName: string;
  family: string | null;
  results: number;
  p50Ms: number;
  throughputIps: number;
}

/** Median of a column over the group's basis rows (`percentile_cont` skips NULLs: unknown figures never count). */
const med = (column: string) =>
  Prisma.raw(`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${column}) FILTER (WHERE in_basis)`);

type GroupRow = Omit<LeaderboardGroup, 'spread' | 'energySources'> & {
  energySources: string[] | null;
  spreadDevices: number | null;
  spreadMin: number | null;
  spreadMax: number | null;
  spreadSd: number | null;
  spreadMean: number | null;
};

/**
 * The read model's queries: every median, count and the accuracy roll-up computed in PostgreSQL (a leaderboard is one
 * short index-only range of Result per model, never the whole table), and the indexes read tallies
 * (`ResultModelTally`, `ResultDeviceKeyTally`) kept current by the triggers of migration *_read_model.
 */
@Injectable()
export class LeaderboardRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async groups(f: { hardwareClassId?: string; settingsKey?: string }): Promise<LeaderboardGroup[]> {
    const where = [
      f.hardwareClassId !== undefined ? Prisma.sql`t."hardwareClassId" = ${f.hardwareClassId}` : null,
      f.settingsKey !== undefined ? Prisma.sql`t."settingsKey" = ${f.settingsKey}` : null,
      Prisma.sql`t.valid + t.flagged > 0`,
    ].filter((w): w is Prisma.Sql => w !== null);
    // Driven by the tally (one row per group, in index order): each group's rows are one short index-only range read
    // by a LATERAL aggregate, so no sort or window over the whole leaderboard; the tally's valid count says whether
    // the medians are over valid results or, when the group has none, over its flagged ones.
    const rows = await this.db.$queryRaw<GroupRow[]>`
      WITH grouped AS (
        SELECT t."hardwareClassId", t."settingsKey", t."modelId", g.*, s.*
          FROM "ResultModelTally" t
          CROSS JOIN LATERAL (
            SELECT (count(*) FILTER (WHERE valid))::int AS results,
                   (count(*) FILTER (WHERE NOT valid))::int AS "flaggedResults",
                   (count(DISTINCT "deviceId") FILTER (WHERE valid))::int AS devices,
                   ${med('"p50Ms"')} AS "p50Ms", ${med('"p90Ms"')} AS "p90Ms", ${med('"p99Ms"')} AS "p99Ms",
                   ${med('"throughputIps"')} AS "throughputIps", ${med('cold')} AS "coldStartMs",
                   ${med('rss')} AS "peakRssBytes", ${med('gflops')} AS gflops, ${med('share')} AS "peakShare",
                   ${med('jpi')} AS "joulesPerInference", ${med('watts')} AS "averageWatts",
                   array_agg(DISTINCT esource ORDER BY esource) FILTER (WHERE in_basis AND esource IS NOT NULL)
                     AS "energySources"
              FROM (SELECT r."deviceId", r."p50Ms", r."p90Ms", r."p99Ms", r."throughputIps",
                           r."verdictStatus" = 'valid' AS valid, r."verdictStatus" = 'valid' OR t.valid = 0 AS in_basis,
                           r."coldStartMs" AS cold, r."peakRssBytes" AS rss, r.gflops, r."peakShare" AS share,
                           r."joulesPerInference" AS jpi, r."averageWatts" AS watts, r."energySource" AS esource
                      FROM "Result" r
                     WHERE r."hardwareClassId" = t."hardwareClassId" AND r."settingsKey" = t."settingsKey"
                       AND r."modelId" = t."modelId") b
          ) g
          CROSS JOIN LATERAL (
            -- Spread of the per-device median p50 over valid results (NULL when the group has none).
            SELECT NULLIF(count(*), 0)::int AS "spreadDevices", min(m) AS "spreadMin", max(m) AS "spreadMax",
                   stddev_samp(m) AS "spreadSd", avg(m) AS "spreadMean"
              FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r."p50Ms") AS m
                      FROM "Result" r
                     WHERE r."hardwareClassId" = t."hardwareClassId" AND r."settingsKey" = t."settingsKey"
                       AND r."modelId" = t."modelId" AND r."verdictStatus" = 'valid'
                     GROUP BY r."deviceId") d
          ) s
         WHERE ${Prisma.join(where, ' AND ')}
      ), pairs AS (
        SELECT DISTINCT "hardwareClassId", "modelId" FROM grouped
      ), acc_class AS (
        -- Accuracy counts whatever its verdict: every flag is about timing, not about the answers.
        SELECT p."hardwareClassId", p."modelId", a.top1
          FROM pairs p CROSS JOIN LATERAL (
                 SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.top1) AS top1 FROM "Result" r
                  WHERE r."hardwareClassId" = p."hardwareClassId" AND r."modelId" = p."modelId" AND r.top1 IS NOT NULL
               ) a
         WHERE a.top1 IS NOT NULL
      ), acc_any AS (
        SELECT a."modelId", percentile_cont(0.5) WITHIN GROUP (ORDER BY a.top1) AS top1
          FROM "Result" a
         WHERE a.top1 IS NOT NULL AND a."modelId" IN (
                 SELECT p."modelId" FROM pairs p
                  WHERE NOT EXISTS (SELECT 1 FROM acc_class c
                                     WHERE c."hardwareClassId" = p."hardwareClassId" AND c."modelId" = p."modelId"))
         GROUP BY 1
      )
      SELECT g.*, COALESCE(hc.name, g."hardwareClassId") AS "hardwareClassName",
             COALESCE(m.name, g."modelId") AS "modelName", m.family,
             COALESCE(ac.top1, aa.top1) AS "measuredTop1",
             CASE WHEN jsonb_typeof(m."referenceMetrics" -> 'top1') = 'number'
                  THEN (m."referenceMetrics" ->> 'top1')::float8 END AS "referenceTop1"
        FROM grouped g
        LEFT JOIN "HardwareClass" hc ON hc.id = g."hardwareClassId"
        LEFT JOIN "Model" m ON m.id = g."modelId"
        LEFT JOIN acc_class ac ON ac."hardwareClassId" = g."hardwareClassId" AND ac."modelId" = g."modelId"
        LEFT JOIN acc_any aa ON ac.top1 IS NULL AND aa."modelId" = g."modelId"`;
    return rows.map(({ spreadDevices, spreadMin, spreadMax, spreadSd, spreadMean, energySources, ...g }) => ({
      ...g,
      energySources: energySources ?? [],
      spread:
        spreadDevices === null
          ? null
          : { devices: spreadDevices, min: spreadMin!, max: spreadMax!, sd: spreadSd, mean: spreadMean! },
    }));
  }

  /** Which leaderboards exist: (class, key) with the number of models that have results there (from the tally). */
  index(): Promise<{ hardwareClassId: string; hardwareClassName: string; settingsKey: string; models: number }[]> {
    return this.db.$queryRaw`
      SELECT t."hardwareClassId", COALESCE(hc.name, t."hardwareClassId") AS "hardwareClassName", t."settingsKey",
             count(*)::int AS models
        FROM "ResultModelTally" t LEFT JOIN "HardwareClass" hc ON hc.id = t."hardwareClassId"
       GROUP BY t."hardwareClassId", hc.name, t."settingsKey"`;
  }

  /** Per device × model medians of valid results under one key (results with an unknown p50 left out). */
  deviceMedians(deviceIds: string[], settingsKey: string): Promise<DeviceModelMedians[]> {
    return this.db.$queryRaw`
      SELECT r."deviceId", COALESCE(d.name, r."deviceId") AS "deviceName", min(r."hardwareClassId") AS "hardwareClassId",
             r."settingsKey", r."modelId", COALESCE(m.name, r."modelId") AS "modelName", m.family,
             count(*)::int AS results,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY r."p50Ms") AS "p50Ms",
             percentile_cont(0.5) WITHIN GROUP (ORDER BY r."throughputIps") AS "throughputIps"
        FROM "Result" r
        LEFT JOIN "Device" d ON d.id = r."deviceId"
        LEFT JOIN "Model" m ON m.id = r."modelId"
       WHERE r."deviceId" = ANY(${deviceIds}::text[]) AND r."settingsKey" = ${settingsKey}
         AND r."verdictStatus" = 'valid' AND r."p50Ms" > 0 AND r."p50Ms" < 'Infinity'::float8
       GROUP BY r."deviceId", d.name, r."settingsKey", r."modelId", m.name, m.family`;
  }

  /** Which (device, key) pairs have valid results, with the number of models (from the tally). */
  deviceIndex(): Promise<{ deviceId: string; settingsKey: string; models: number }[]> {
    return this.db.$queryRaw`
      SELECT "deviceId", "settingsKey", "models" FROM "ResultDeviceKeyTally"`;
  }
}
