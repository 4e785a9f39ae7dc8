-- CreateEnum
CREATE TYPE "ChangeKind" AS ENUM ('regression', 'improvement');

-- CreateTable
CREATE TABLE "SeriesPoint" (
    "resultId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "hardwareClassId" TEXT NOT NULL,
    "settingsKey" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "measuredAt" TIMESTAMP(3) NOT NULL,
    "valid" BOOLEAN NOT NULL,
    "metric" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "low" DOUBLE PRECISION,
    "high" DOUBLE PRECISION,
    "fingerprint" JSONB NOT NULL,

    CONSTRAINT "SeriesPoint_pkey" PRIMARY KEY ("resultId")
);

-- CreateTable
CREATE TABLE "Change" (
    "id" TEXT NOT NULL,
    "resultId" TEXT NOT NULL,
    "baselineResultId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "hardwareClassId" TEXT NOT NULL,
    "settingsKey" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "kind" "ChangeKind" NOT NULL,
    "before" DOUBLE PRECISION NOT NULL,
    "after" DOUBLE PRECISION NOT NULL,
    "relative" DOUBLE PRECISION NOT NULL,
    "relativeLow" DOUBLE PRECISION,
    "relativeHigh" DOUBLE PRECISION,
    "changedParts" JSONB NOT NULL,
    "summary" TEXT NOT NULL,
    "measuredAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "notifiedAt" TIMESTAMP(3),
    "notifyAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextNotifyAt" TIMESTAMP(3),
    "notifyError" TEXT,

    CONSTRAINT "Change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HubSetting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HubSetting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "SeriesPoint_modelId_hardwareClassId_settingsKey_deviceId_me_idx" ON "SeriesPoint"("modelId", "hardwareClassId", "settingsKey", "deviceId", "measuredAt");

-- CreateIndex
CREATE INDEX "SeriesPoint_modelId_hardwareClassId_settingsKey_measuredAt_idx" ON "SeriesPoint"("modelId", "hardwareClassId", "settingsKey", "measuredAt");

-- CreateIndex
CREATE INDEX "Change_measuredAt_idx" ON "Change"("measuredAt");

-- CreateIndex
CREATE INDEX "Change_modelId_hardwareClassId_settingsKey_idx" ON "Change"("modelId", "hardwareClassId", "settingsKey");

-- CreateIndex
CREATE INDEX "Change_nextNotifyAt_idx" ON "Change"("nextNotifyAt");

-- CreateIndex
CREATE UNIQUE INDEX "Change_resultId_metric_key" ON "Change"("resultId", "metric");

-- AddForeignKey
ALTER TABLE "SeriesPoint" ADD CONSTRAINT "SeriesPoint_resultId_fkey" FOREIGN KEY ("resultId") REFERENCES "Result"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Change" ADD CONSTRAINT "Change_resultId_fkey" FOREIGN KEY ("resultId") REFERENCES "Result"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Change" ADD CONSTRAINT "Change_baselineResultId_fkey" FOREIGN KEY ("baselineResultId") REFERENCES "Result"("id") ON DELETE CASCADE ON UPDATE CASCADE;
