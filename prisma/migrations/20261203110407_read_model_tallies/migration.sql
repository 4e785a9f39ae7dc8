-- DropIndex
DROP INDEX "Result_modelId_idx";

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

-- CreateIndex
CREATE INDEX "Result_modelId_createdAt_idx" ON "Result"("modelId", "createdAt");

-- CreateIndex
CREATE INDEX "Result_hardwareClassId_createdAt_idx" ON "Result"("hardwareClassId", "createdAt");

-- CreateIndex
CREATE INDEX "Result_createdAt_idx" ON "Result"("createdAt");

-- CreateIndex
CREATE INDEX "Result_deviceId_settingsKey_modelId_idx" ON "Result"("deviceId", "settingsKey", "modelId");

-- CreateIndex
CREATE INDEX "Result_accuracy_by_class_idx" ON "Result"("hardwareClassId", "modelId", "top1") WHERE (top1 IS NOT NULL);

-- CreateIndex
CREATE INDEX "Result_accuracy_by_model_idx" ON "Result"("modelId", "top1") WHERE (top1 IS NOT NULL);

-- Keep the tallies current from Result itself: statement-level triggers with transition tables, so a batched insert
-- (ingest writes many results in one statement) costs one grouped upsert, and cascaded deletes (a device or job
-- removed) count down. Rows are upserted in key order so concurrent writers lock tally rows in the same order.
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
    UPDATE "ResultDeviceTally" t
       SET "valid" = t."valid" - d."valid"
      FROM (SELECT "deviceId", "settingsKey", "modelId", count(*) AS "valid"
              FROM old_rows WHERE "verdictStatus" = 'valid' GROUP BY 1, 2, 3) d
     WHERE t."deviceId" = d."deviceId" AND t."settingsKey" = d."settingsKey" AND t."modelId" = d."modelId";
    DELETE FROM "ResultDeviceTally" t USING (SELECT DISTINCT "deviceId", "settingsKey", "modelId" FROM old_rows) d
     WHERE t."deviceId" = d."deviceId" AND t."settingsKey" = d."settingsKey" AND t."modelId" = d."modelId"
       AND t."valid" <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "ResultModelTally" AS t ("hardwareClassId", "settingsKey", "modelId", "valid", "flagged")
    SELECT "hardwareClassId", "settingsKey", "modelId",
           count(*) FILTER (WHERE "verdictStatus" = 'valid'), count(*) FILTER (WHERE "verdictStatus" <> 'valid')
      FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ("hardwareClassId", "settingsKey", "modelId")
    DO UPDATE SET "valid" = t."valid" + EXCLUDED."valid", "flagged" = t."flagged" + EXCLUDED."flagged";
    INSERT INTO "ResultDeviceTally" AS t ("deviceId", "settingsKey", "modelId", "valid")
    SELECT "deviceId", "settingsKey", "modelId", count(*)
      FROM new_rows WHERE "verdictStatus" = 'valid' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ("deviceId", "settingsKey", "modelId") DO UPDATE SET "valid" = t."valid" + EXCLUDED."valid";
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
