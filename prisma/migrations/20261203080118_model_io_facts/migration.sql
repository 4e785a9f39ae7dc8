-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "ioFacts" JSONB;
