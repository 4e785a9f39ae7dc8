-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "admin" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "expiresAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "revokedAt" TIMESTAMP(3);

-- Every API token before this migration was the admin token (the only kind there was).
UPDATE "ApiToken" SET "admin" = true;
