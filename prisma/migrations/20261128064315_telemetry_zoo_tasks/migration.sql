-- CreateEnum
CREATE TYPE "ZooTaskState" AS ENUM ('running', 'completed', 'failed');

-- CreateTable
CREATE TABLE "TelemetrySample" (
    "id" BIGSERIAL NOT NULL,
    "deviceId" TEXT NOT NULL,
    "ts" TIMESTAMP(3) NOT NULL,
    "sample" JSONB NOT NULL,

    CONSTRAINT "TelemetrySample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ZooTask" (
    "id" TEXT NOT NULL,
    "state" "ZooTaskState" NOT NULL DEFAULT 'running',
    "seed" INTEGER NOT NULL,
    "variant" TEXT NOT NULL,
    "names" TEXT[],
    "total" INTEGER NOT NULL,
    "done" INTEGER NOT NULL DEFAULT 0,
    "current" TEXT,
    "registered" JSONB NOT NULL DEFAULT '[]',
    "errors" JSONB NOT NULL DEFAULT '[]',
    "owner" TEXT NOT NULL,
    "heartbeatAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ZooTask_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TelemetrySample_deviceId_ts_idx" ON "TelemetrySample"("deviceId", "ts");

-- CreateIndex
CREATE INDEX "ZooTask_createdAt_idx" ON "ZooTask"("createdAt");

-- AddForeignKey
ALTER TABLE "TelemetrySample" ADD CONSTRAINT "TelemetrySample_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
