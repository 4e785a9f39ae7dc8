import { PrismaClient } from '../generated/prisma/client'; export const x = PrismaClient;
