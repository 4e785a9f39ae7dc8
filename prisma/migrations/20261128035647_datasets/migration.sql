-- AlterTable
ALTER TABLE "Dataset" ADD COLUMN     "layout" TEXT NOT NULL DEFAULT 'synset-filenames',
ADD COLUMN     "sampleCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'path';

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "datasetId" TEXT;

-- AlterTable
ALTER TABLE "Result" ADD COLUMN     "top5" DOUBLE PRECISION;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE SET NULL ON UPDATE CASCADE;
