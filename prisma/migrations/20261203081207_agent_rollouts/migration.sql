-- CreateTable
CREATE TABLE "AgentRollout" (
    "id" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "confirmWithinMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentRollout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentRolloutTarget" (
    "rolloutId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "fromVersion" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "message" TEXT,
    "sentAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AgentRolloutTarget_pkey" PRIMARY KEY ("rolloutId","deviceId")
);

-- CreateIndex
CREATE INDEX "AgentRolloutTarget_deviceId_state_idx" ON "AgentRolloutTarget"("deviceId", "state");

-- AddForeignKey
ALTER TABLE "AgentRolloutTarget" ADD CONSTRAINT "AgentRolloutTarget_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "AgentRollout"("id") ON DELETE CASCADE ON UPDATE CASCADE;
