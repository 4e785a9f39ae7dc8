/** HRNet-C classification networks (Wang et al. 2019, "Deep High-Resolution Representation Learning"). */
import type { GraphBuilder, Tensor } from '../graph/graph-builder';

function bottleneck(b: GraphBuilder, x: Tensor, planes: number, se: boolean): Tensor {
  let y = b.convBn(x, planes, 1, 'relu');
  y = b.convBn(y, planes, 3, 'relu');
  y = b.convBn(y, planes * 4, 1, 'none');
  if (se) y = b.se(y, Math.floor((planes * 4) / 16));
  const short = x.shape[0] === planes * 4 ? x : b.convBn(x, planes * 4, 1, 'none');
  return b.act(b.add(y, short), 'relu');
}

function basic(b: GraphBuilder, x: Tensor, se: boolean): Tensor {
  const c = x.shape[0]!;
  let y = b.convBn(x, c, 3, 'relu');
  y = b.convBn(y, c, 3, 'none');
  if (se) y = b.se(y, Math.floor(c / 16));
  return b.act(b.add(y, x), 'relu');
}

export function hrnet(b: GraphBuilder, width: number, se = false): Tensor {
  let x = b.convBn(b.input, 64, 3, 'relu', { stride: 2 });
  x = b.convBn(x, 64, 3, 'relu', { stride: 2 });
  b.markStage('stem', x);
  x = b.scope('layer1', () => {
    let y = x;
    for (let i = 0; i < 4; i++) y = bottleneck(b, y, 64, se);
    return y;
  });
  b.markStage('layer1', x);
  let streams: Tensor[] = [x];
  const modules = [1, 4, 3];
  for (let stage = 0; stage < 3; stage++) {
    const n = stage + 2;
    const channels = Array.from({ length: n }, (_, i) => width << i);
    streams = b.scope(`transition${stage + 1}`, () => {
      // Existing streams change width with a 3x3 conv when needed; the new one is a strided conv of the last.
      const out: Tensor[] = [];
      for (let i = 0; i < n; i++) {
        const src = streams[i];
        if (src) out.push(src.shape[0] === channels[i] ? src : b.convBn(src, channels[i]!, 3, 'relu'));
        else out.push(b.convBn(streams[streams.length - 1]!, channels[i]!, 3, 'relu', { stride: 2 }));
      }
      b.branch(1);
      return out;
    });
    streams = b.scope(`stage${stage + 2}`, () => {
      let s = streams;
      for (let m = 0; m < modules[stage]!; m++) {
        b.branch(n);
        s = s.map((t) => {
          let y = t;
          for (let k = 0; k < 4; k++) y = basic(b, y, se);
          return y;
        });
        // Fuse: every output stream sums all streams, upsampled (1x1 conv + nearest) or downsampled (3x3/2 convs).
        s = channels.map((ci, i) => {
          let acc: Tensor | undefined;
          s.forEach((t, j) => {
            let y = t;
            if (j > i) y = b.upsample(b.convBn(t, ci, 1, 'none'), 2 ** (j - i));
            else if (j < i) {
              for (let k = 0; k < i - j; k++) {
                const last = k === i - j - 1;
                y = b.convBn(y, last ? ci : channels[j]!, 3, last ? 'none' : 'relu', { stride: 2 });
              }
            }
            acc = acc ? b.add(acc, y) : y;
          });
          return b.act(acc!, 'relu');
        });
      }
      return s;
    });
    streams.forEach((t, i) => b.markStage(`stage${stage + 2}.branch${i + 1}`, t));
  }
  // Classification head: per-stream bottlenecks to 128/256/512/1024, strided 3x3 merging, 1x1 to 2048.
  x = b.scope('head', () => {
    const heads = streams.map((t, i) => bottleneck(b, t, 32 << i, se));
    let y = heads[0]!;
    for (let i = 1; i < heads.length; i++)
      y = b.add(heads[i]!, b.convBn(y, heads[i]!.shape[0]!, 3, 'relu', { stride: 2 }));
    return b.convBn(y, 2048, 1, 'relu');
  });
  b.markStage('head', x);
  return b.fc(b.globalAvgPool(x), 1000);
}
