-- CreateEnum
CREATE TYPE "ApiTokenRole" AS ENUM ('viewer', 'operator', 'admin');

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "role" "ApiTokenRole" NOT NULL DEFAULT 'operator';

-- Data: the admin token keeps its powers, named tokens keep what they could do (operator)
UPDATE "ApiToken" SET "role" = 'admin' WHERE "admin";
