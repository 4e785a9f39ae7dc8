-- AlterTable
ALTER TABLE "Result" ADD COLUMN     "attempt" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "Result_jobId_attempt_key" ON "Result"("jobId", "attempt");
