-- DropIndex
DROP INDEX "Result_leaderboard_idx";

-- AlterTable
-- Energy per result (issue 13), read out of metrics.energy by PostgreSQL (STORED generated columns like those of
-- migration *_read_model: the hub never writes them, existing rows are filled by this statement). Set only when the
-- reading's status is 'measured': an 'unavailable' reading or none at all is NULL and never enters a median.
ALTER TABLE "Result"
ADD COLUMN     "joulesPerInference" DOUBLE PRECISION GENERATED ALWAYS AS (
  CASE WHEN "metrics" #>> '{energy,status}' = 'measured'
        AND jsonb_typeof("metrics" #> '{energy,joulesPerInference}') = 'number'
       THEN ("metrics" #>> '{energy,joulesPerInference}')::float8 END
) STORED,
ADD COLUMN     "averageWatts" DOUBLE PRECISION GENERATED ALWAYS AS (
  CASE WHEN "metrics" #>> '{energy,status}' = 'measured'
        AND jsonb_typeof("metrics" #> '{energy,averageWatts}') = 'number'
       THEN ("metrics" #>> '{energy,averageWatts}')::float8 END
) STORED,
ADD COLUMN     "energySource" TEXT GENERATED ALWAYS AS (
  CASE WHEN "metrics" #>> '{energy,status}' = 'measured'
        AND jsonb_typeof("metrics" #> '{energy,source}') = 'string'
       THEN "metrics" #>> '{energy,source}' END
) STORED;

-- CreateIndex
-- The leaderboard stays an index-only range scan: the energy figures join the figures it already covers.
CREATE INDEX "Result_leaderboard_idx" ON "Result"("hardwareClassId", "settingsKey", "modelId", "verdictStatus", "deviceId", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "coldStartMs", "peakRssBytes", "gflops", "peakShare", "joulesPerInference", "averageWatts", "energySource");
