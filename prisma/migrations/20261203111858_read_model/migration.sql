-- DropIndex
DROP INDEX "Result_hardwareClassId_settingsKey_modelId_verdictStatus_idx";

-- DropIndex
DROP INDEX "Result_jobId_idx";

-- DropIndex
DROP INDEX "Result_modelId_idx";

-- AlterTable
-- The leaderboard's extra figures, read out of the metrics JSON by PostgreSQL (STORED generated columns: the hub
-- never writes them, existing rows are filled by this statement). NULL when the figure is unknown (an external
-- runner reports no first inference or peak RSS). Cold start is session creation plus first inference.
ALTER TABLE "Result"
ADD COLUMN     "coldStartMs" DOUBLE PRECISION GENERATED ALWAYS AS (
  CASE WHEN jsonb_typeof("metrics" #> '{coldStart,sessionCreateMs}') = 'number'
        AND jsonb_typeof("metrics" #> '{coldStart,firstInferenceMs}') = 'number'
       THEN ("metrics" #>> '{coldStart,sessionCreateMs}')::float8 + ("metrics" #>> '{coldStart,firstInferenceMs}')::float8 END
) STORED,
ADD COLUMN     "gflops" DOUBLE PRECISION GENERATED ALWAYS AS (CASE WHEN jsonb_typeof("metrics" #> '{gflops}') = 'number' THEN ("metrics" #>> '{gflops}')::float8 END) STORED,
ADD COLUMN     "peakRssBytes" DOUBLE PRECISION GENERATED ALWAYS AS (CASE WHEN jsonb_typeof("metrics" #> '{peakRssBytes}') = 'number' THEN ("metrics" #>> '{peakRssBytes}')::float8 END) STORED,
ADD COLUMN     "peakShare" DOUBLE PRECISION GENERATED ALWAYS AS (CASE WHEN jsonb_typeof("metrics" #> '{peakShare}') = 'number' THEN ("metrics" #>> '{peakShare}')::float8 END) STORED;

-- CreateTable
CREATE TABLE "ResultModelTally" (
    "hardwareClassId" TEXT NOT NULL,
    "settingsKey" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "valid" INTEGER NOT NULL,
    "flagged" INTEGER NOT NULL,

    CONSTRAINT "ResultModelTally_pkey" PRIMARY KEY ("hardwareClassId","settingsKey","modelId")
);

-- CreateTable
CREATE TABLE "ResultDeviceTally" (
    "deviceId" TEXT NOT NULL,
    "settingsKey" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "valid" INTEGER NOT NULL,

    CONSTRAINT "ResultDeviceTally_pkey" PRIMARY KEY ("deviceId","settingsKey","modelId")
);

-- CreateTable
CREATE TABLE "ResultDeviceKeyTally" (
    "deviceId" TEXT NOT NULL,
    "settingsKey" TEXT NOT NULL,
    "models" INTEGER NOT NULL,

    CONSTRAINT "ResultDeviceKeyTally_pkey" PRIMARY KEY ("deviceId","settingsKey")
);

-- CreateIndex
CREATE INDEX "Result_leaderboard_idx" ON "Result"("hardwareClassId", "settingsKey", "modelId", "verdictStatus", "deviceId", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "coldStartMs", "peakRssBytes", "gflops", "peakShare");

-- CreateIndex
CREATE INDEX "Result_job_table_idx" ON "Result"("jobId", "createdAt", "id", "verdictStatus", "deviceId", "modelId", "settingsKey", "p50Ms", "throughputIps");

-- CreateIndex
CREATE INDEX "Result_modelId_createdAt_idx" ON "Result"("modelId", "createdAt");

-- CreateIndex
CREATE INDEX "Result_hardwareClassId_createdAt_idx" ON "Result"("hardwareClassId", "createdAt");

-- CreateIndex
CREATE INDEX "Result_createdAt_idx" ON "Result"("createdAt");

-- CreateIndex
CREATE INDEX "Result_device_compare_idx" ON "Result"("deviceId", "settingsKey", "verdictStatus", "modelId", "p50Ms", "throughputIps", "hardwareClassId");

-- CreateIndex
CREATE INDEX "Result_accuracy_by_class_idx" ON "Result"("hardwareClassId", "modelId", "top1") WHERE (top1 IS NOT NULL);

-- CreateIndex
CREATE INDEX "Result_accuracy_by_model_idx" ON "Result"("modelId", "top1") WHERE (top1 IS NOT NULL);

-- Keep the tallies current from Result itself: statement-level triggers with transition tables, so a batched insert
-- (ingest writes many results in one statement) costs one grouped upsert per tally, and cascaded deletes (a device
-- or job removed) count down. Rows are upserted in key order so concurrent writers lock tally rows in one order.
-- ResultDeviceKeyTally counts the ResultDeviceTally rows of a device and key: +1 when one appears, -1 when one goes.
CREATE FUNCTION "result_tally_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE "ResultModelTally" t
       SET "valid" = t."valid" - d."valid", "flagged" = t."flagged" - d."flagged"
      FROM (SELECT "hardwareClassId", "settingsKey", "modelId",
                   count(*) FILTER (WHERE "verdictStatus" = 'valid') AS "valid",
                   count(*) FILTER (WHERE "verdictStatus" <> 'valid') AS "flagged"
              FROM old_rows GROUP BY 1, 2, 3) d
     WHERE t."hardwareClassId" = d."hardwareClassId" AND t."settingsKey" = d."settingsKey" AND t."modelId" = d."modelId";
    DELETE FROM "ResultModelTally" t USING (SELECT DISTINCT "hardwareClassId", "settingsKey", "modelId" FROM old_rows) d
     WHERE t."hardwareClassId" = d."hardwareClassId" AND t."settingsKey" = d."settingsKey" AND t."modelId" = d."modelId"
       AND t."valid" <= 0 AND t."flagged" <= 0;
    WITH d AS (
      SELECT "deviceId", "settingsKey", "modelId", count(*) AS n
        FROM old_rows WHERE "verdictStatus" = 'valid' GROUP BY 1, 2, 3
    ), gone AS (
      DELETE FROM "ResultDeviceTally" t USING d
       WHERE t."deviceId" = d."deviceId" AND t."settingsKey" = d."settingsKey" AND t."modelId" = d."modelId"
         AND t."valid" <= d.n
      RETURNING t."deviceId", t."settingsKey"
    ), counted AS (
      UPDATE "ResultDeviceKeyTally" k SET "models" = k."models" - g.n
        FROM (SELECT "deviceId", "settingsKey", count(*) AS n FROM gone GROUP BY 1, 2) g
       WHERE k."deviceId" = g."deviceId" AND k."settingsKey" = g."settingsKey"
    )
    UPDATE "ResultDeviceTally" t SET "valid" = t."valid" - d.n
      FROM d
     WHERE t."deviceId" = d."deviceId" AND t."settingsKey" = d."settingsKey" AND t."modelId" = d."modelId"
       AND t."valid" > d.n;
    DELETE FROM "ResultDeviceKeyTally" WHERE "models" <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "ResultModelTally" AS t ("hardwareClassId", "settingsKey", "modelId", "valid", "flagged")
    SELECT "hardwareClassId", "settingsKey", "modelId",
           count(*) FILTER (WHERE "verdictStatus" = 'valid'), count(*) FILTER (WHERE "verdictStatus" <> 'valid')
      FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ("hardwareClassId", "settingsKey", "modelId")
    DO UPDATE SET "valid" = t."valid" + EXCLUDED."valid", "flagged" = t."flagged" + EXCLUDED."flagged";
    WITH d AS (
      SELECT "deviceId", "settingsKey", "modelId", count(*) AS n
        FROM new_rows WHERE "verdictStatus" = 'valid' GROUP BY 1, 2, 3
    ), up AS (
      INSERT INTO "ResultDeviceTally" AS t ("deviceId", "settingsKey", "modelId", "valid")
      SELECT "deviceId", "settingsKey", "modelId", n FROM d ORDER BY 1, 2, 3
      ON CONFLICT ("deviceId", "settingsKey", "modelId") DO UPDATE SET "valid" = t."valid" + EXCLUDED."valid"
      RETURNING t."deviceId", t."settingsKey", t."modelId", t."valid"
    )
    INSERT INTO "ResultDeviceKeyTally" AS k ("deviceId", "settingsKey", "models")
    SELECT up."deviceId", up."settingsKey", count(*)
      FROM up JOIN d ON d."deviceId" = up."deviceId" AND d."settingsKey" = up."settingsKey" AND d."modelId" = up."modelId"
     WHERE up."valid" = d.n
     GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT ("deviceId", "settingsKey") DO UPDATE SET "models" = k."models" + EXCLUDED."models";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Result_tally_insert" AFTER INSERT ON "Result"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "result_tally_apply"();
CREATE TRIGGER "Result_tally_update" AFTER UPDATE ON "Result"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "result_tally_apply"();
CREATE TRIGGER "Result_tally_delete" AFTER DELETE ON "Result"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "result_tally_apply"();

-- Results stored before this migration.
INSERT INTO "ResultModelTally" ("hardwareClassId", "settingsKey", "modelId", "valid", "flagged")
SELECT "hardwareClassId", "settingsKey", "modelId",
       count(*) FILTER (WHERE "verdictStatus" = 'valid'), count(*) FILTER (WHERE "verdictStatus" <> 'valid')
  FROM "Result" GROUP BY 1, 2, 3;
INSERT INTO "ResultDeviceTally" ("deviceId", "settingsKey", "modelId", "valid")
SELECT "deviceId", "settingsKey", "modelId", count(*) FROM "Result" WHERE "verdictStatus" = 'valid' GROUP BY 1, 2, 3;
INSERT INTO "ResultDeviceKeyTally" ("deviceId", "settingsKey", "models")
SELECT "deviceId", "settingsKey", count(*) FROM "ResultDeviceTally" GROUP BY 1, 2;
