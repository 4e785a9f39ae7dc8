-- AlterTable
ALTER TABLE "HardwareClass" DROP COLUMN "isReference";
