import type { Metadata } from 'next';
import { PREPROCESSING_PRESETS, type Model } from '@fleetbench/protocol';
import { HubErrorNotice } from '../../components/hub-error';
import { catalogue } from '../../features/chart/reference-data';
import { CatalogueTable, type CatalogueRow } from '../../features/models/catalogue-table';
import { ModelsTable } from '../../features/models/models-table';
import { ModelUploadForm } from '../../features/models/upload-form';
import { LiveRefresh } from '../../features/live/live-refresh';
import { hubApi } from '../../lib/hub/api';
import { load } from '../../lib/hub/load';
import { getAbilities, requireToken } from '../../lib/session';

export const metadata: Metadata = { title: 'Models · Fleetbench' };

/** Presets offered at upload, with where their values come from. */
const UPLOAD_PRESETS = ['imagenet', 'caffe', 'tf-uint8', 'tf-float', 'paddle', 'mnist'].map((name) => ({
  name,
  source: PREPROCESSING_PRESETS[name]!.source,
}));

export default async function ModelsPage() {
  const token = await requireToken('/models');
  const [models, can] = await Promise.all([load(hubApi.models(token), '/models'), getAbilities(token)]);
  const registered = new Map<string, Model>((models.ok ? models.data : []).map((m) => [m.name, m]));
  const rows: CatalogueRow[] = catalogue.map((e) => ({
    name: e.name,
    family: e.family,
    in117: e.in117,
    inputSize: e.inputSize,
    top1: e.reference.top1 ?? e.v23Reference.top1,
    top5: e.reference.top5 ?? e.v23Reference.top5,
    paramsM: e.params.v20M ?? e.params.v23M,
    gflops: e.flops.v20G,
    sd855Ms: e.publishedLatencies['paddleclas-sd855-lite-fp32-t1'],
    t4Fp32Ms: e.publishedLatencies['paddleclas-t4-trt-fp32-bs1'],
    v100Ms: e.publishedLatencies['paddleclas-v100-trt-fp32'],
    modelId: registered.get(e.name)?.id ?? null,
  }));
  const families = [...new Set(catalogue.map((e) => e.family))].sort();
  return (
    <section>
      <LiveRefresh event="model.created" />
      <h1>Models</h1>
      {can.operate ? <ModelUploadForm families={families} presets={UPLOAD_PRESETS} /> : null}
      <h2>Registered on the hub</h2>
      {models.ok ? <ModelsTable models={models.data} /> : <HubErrorNotice problem={models.problem} />}
      <h2>PaddleClas catalogue (published reference metrics)</h2>
      <CatalogueTable rows={rows} />
    </section>
  );
}
