import { z } from 'zod';
import { LIMITS, Sha256Schema } from './version';

// ---- datasets (labeled image sets for accuracy jobs; the archive layout is in apps/agent/README.md) ----------------

/** How the images of a registered folder are labeled: `<synset>_<name>.<ext>` files directly in the folder (with a
 *  label list), or one sub-folder per class (ImageFolder). */
export const DatasetLayoutSchema = z.enum(['synset-filenames', 'imagefolder']);
export type DatasetLayout = z.infer<typeof DatasetLayoutSchema>;

/** JSON registration of a folder on the hub machine. To register a ready archive instead, send its bytes as
 *  `application/x-tar` to the same path with `name` as a query parameter. */
export const RegisterDatasetRequestSchema = z
  .object({
    name: z.string().min(1).max(200),
    /** Folder on the hub machine. */
    path: z.string().min(1).max(LIMITS.path),
    /** Absent: imagefolder when the folder holds only sub-folders, else synset-filenames. */
    format: DatasetLayoutSchema.optional(),
    /** Class keys in label order (label i = labels[i]). */
    labels: z.array(z.string().min(1).max(200)).min(1).max(100_000).optional(),
    /** A label list file on the hub machine: one class per line, first word = class key (e.g. LOC_synset_mapping.txt).
     *  Without labels/labelsPath: labels.txt or LOC_synset_mapping.txt in the folder or its parent; for imagefolder
     *  also the sorted folder names. */
    labelsPath: z.string().min(1).max(LIMITS.path).optional(),
  })
  .refine((r) => !(r.labels && r.labelsPath), { message: 'give labels or labelsPath, not both', path: ['labelsPath'] });
export type RegisterDatasetRequest = z.infer<typeof RegisterDatasetRequestSchema>;

export const DatasetSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** sha256 of the tar archive (GET /api/v1/artifacts/:sha256 serves it). */
  sha256: Sha256Schema,
  sizeBytes: z.number().int(),
  layout: DatasetLayoutSchema,
  source: z.enum(['path', 'upload']),
  /** Class keys in label order. */
  labels: z.array(z.string()),
  sampleCount: z.number().int(),
  createdAt: z.string(),
});
export type Dataset = z.infer<typeof DatasetSchema>;
