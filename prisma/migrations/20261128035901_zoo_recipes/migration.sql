-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "recipe" JSONB,
ADD COLUMN     "recipeKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Model_recipeKey_key" ON "Model"("recipeKey");
