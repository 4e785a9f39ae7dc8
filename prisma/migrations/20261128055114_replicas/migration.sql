-- CreateTable
CREATE TABLE "SocketTicket" (
    "ticketHash" TEXT NOT NULL,
    "tokenId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SocketTicket_pkey" PRIMARY KEY ("ticketHash")
);

-- CreateIndex
CREATE INDEX "SocketTicket_expiresAt_idx" ON "SocketTicket"("expiresAt");

-- CreateIndex
CREATE INDEX "SocketTicket_tokenId_idx" ON "SocketTicket"("tokenId");

-- CreateIndex
CREATE UNIQUE INDEX "Job_one_active_per_device" ON "Job"("deviceId") WHERE (state = ANY (ARRAY['assigned'::"JobState", 'running'::"JobState"]));

-- AddForeignKey
ALTER TABLE "SocketTicket" ADD CONSTRAINT "SocketTicket_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;
