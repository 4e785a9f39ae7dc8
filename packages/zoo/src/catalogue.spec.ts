import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { catalogue, getModel, listFamilies, preprocessingFor, referenceHardware } from './index';

const script = path.join(__dirname, '../scripts/generate-catalogue.mjs');
const sharedData = process.env.FLEETBENCH_SHARED_DATA ?? path.join(__dirname, '../../../../shared/data');

describe('catalogue', () => {
  it('holds every model of the published tables, the original 117 flagged', () => {
    expect(catalogue).toHaveLength(224);
    expect(catalogue.filter((e) => e.inBaseCsv)).toHaveLength(209);
    expect(catalogue.filter((e) => e.in117)).toHaveLength(117);
    expect(new Set(catalogue.map((e) => e.name)).size).toBe(catalogue.length);
  });

  it('keeps the published figures with provenance', () => {
    const r = getModel('ResNet50_vd')!;
    expect(r).toMatchObject({
      family: 'ResNet_vc/ResNet_vd',
      inputSize: 224,
      resizeShort: 256,
      reference: { top1: 0.791, top5: 0.944 },
      params: { v20M: 25.58, v23M: 25.63 },
      flops: { v20G: 8.67, v23G: 4.35 },
    });
    expect(r.publishedLatencies['paddleclas-v100-trt-fp32']).toBe(3.165);
    expect(r.publishedLatencies['paddleclas-t4-trt-fp32-bs4']).toBe(8.09057);
    expect(r.publishedLatencies['paddleclas-t4-trt-fp16-bs4']).toBe(4.84109);
    expect(r.publishedLatencies['paddleclas-sd855-lite-fp32-t1']).toBeNull();
    expect(r.reference.source).toContain('release/static');
    expect(getModel('MobileNetV1')!.publishedLatencies['paddleclas-sd855-lite-fp32-t1']).toBe(32.523);
    expect(getModel('EfficientNetB7')).toMatchObject({ inputSize: 600, resizeShort: 632 });
    expect(getModel('NoSuchNet')).toBeUndefined();
    expect(listFamilies()).toEqual(expect.arrayContaining(['ResNet', 'MobileNetV3', 'HRNet', 'PP-LCNet']));
  });

  it('describes the published reference hardware as read-only data, one class per latency column', () => {
    const ids = referenceHardware.map((h) => h.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(catalogue[0]!.publishedLatencies).sort());
    for (const h of referenceHardware) expect(h).toMatchObject({ published: true, readOnly: true });
    expect(referenceHardware.find((h) => h.id === 'paddleclas-sd855-lite-fp32-t1')).toMatchObject({
      name: 'Snapdragon 855 — published by PaddleClas',
      csvColumn: 'sd855_latency_ms',
      batch: 1,
      threads: 1,
    });
    expect(referenceHardware.find((h) => h.id === 'paddleclas-t4-trt-fp16-bs8')).toMatchObject({
      precision: 'fp16',
      batch: 8,
    });
  });

  it('gives PaddleClas preprocessing presets', () => {
    expect(preprocessingFor('ResNet50')).toEqual({
      resizeShorter: 256,
      crop: 224,
      channelOrder: 'RGB',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      layout: 'NCHW',
      inputDtype: 'float32',
      output: 'logits',
    });
    expect(preprocessingFor('InceptionV4')).toMatchObject({ resizeShorter: 320, crop: 299 });
    expect(preprocessingFor('TNT_small')).toMatchObject({ crop: 224, resizeShorter: 248, mean: [0.5, 0.5, 0.5] });
  });

  const maybe = existsSync(path.join(sharedData, 'paddleclas/paddleclas_models_extended.csv')) ? it : it.skip;
  maybe('is the committed output of the generator (no hand edits)', () => {
    const res = spawnSync(process.execPath, [script, '--check'], {
      env: { ...process.env, FLEETBENCH_SHARED_DATA: sharedData },
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
