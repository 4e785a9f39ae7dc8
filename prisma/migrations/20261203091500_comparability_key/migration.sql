-- Comparability key (issue 10): jobs and results are re-keyed from the settings they store, so that runs of
-- different runners (trtexec, onnxruntime_perf_test) and graph optimisation levels are no longer pooled.
-- Old key: <mode>/bs<batch>/t<intra>x<inter>/<provider>
-- New key: <mode>/bs<batch>/t<intra>x<inter>/<provider>/<runner>/opt-<level>[/n<maxSamples>]
-- This function is formatComparabilityKey (packages/protocol/src/comparability.ts) in SQL, defaults included.
-- apps/hub/src/db/comparability-key.migration.spec.ts checks that both agree on stored rows. pg_temp: it is gone
-- when the migrating session ends, so the schema stays what schema.prisma says.
CREATE FUNCTION pg_temp.fleetbench_comparability_key(s jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws('/',
    m.mode,
    'bs' || CASE
      -- A throughput sweep reports the figures of its last distinct batch size (as the agent runs it).
      WHEN m.mode = 'throughput' AND jsonb_typeof(s -> 'batchSizes') = 'array' AND jsonb_array_length(s -> 'batchSizes') > 0
        THEN (SELECT e FROM jsonb_array_elements_text(s -> 'batchSizes') WITH ORDINALITY AS t(e, i)
              GROUP BY e ORDER BY min(i) DESC LIMIT 1)
      ELSE coalesce(s ->> 'batchSize', '1')
    END,
    't' || coalesce(s ->> 'intraOpThreads', '0') || 'x' || coalesce(s ->> 'interOpThreads', '0'),
    replace(replace(coalesce(s ->> 'executionProvider', 'cpu'), '%', '%25'), '/', '%2F'),
    coalesce(s ->> 'runner', 'onnxruntime-node'),
    'opt-' || coalesce(s ->> 'graphOptimizationLevel', 'all'),
    CASE WHEN m.mode = 'accuracy' AND s ->> 'maxSamples' IS NOT NULL THEN 'n' || (s ->> 'maxSamples') END
  )
  FROM (SELECT coalesce(s ->> 'mode', 'latency') AS mode) AS m
$$;

UPDATE "Job" SET "settingsKey" = pg_temp.fleetbench_comparability_key("settings")
WHERE "settingsKey" IS DISTINCT FROM pg_temp.fleetbench_comparability_key("settings");

UPDATE "Result" SET "settingsKey" = pg_temp.fleetbench_comparability_key("settings")
WHERE "settingsKey" IS DISTINCT FROM pg_temp.fleetbench_comparability_key("settings");

-- Figures the external runners could not measure were stored as 0 and pulled leaderboard medians down: they are
-- unknown (null) now. A 0 session-creation time from them also meant "not printed".
UPDATE "Result"
SET "metrics" = jsonb_set(jsonb_set("metrics", '{peakRssBytes}', 'null'), '{coldStart,firstInferenceMs}', 'null')
WHERE "environment" ->> 'runner' IN ('trtexec', 'onnxruntime_perf_test');

UPDATE "Result"
SET "metrics" = jsonb_set("metrics", '{coldStart,sessionCreateMs}', 'null')
WHERE "environment" ->> 'runner' IN ('trtexec', 'onnxruntime_perf_test')
  AND ("metrics" -> 'coldStart' ->> 'sessionCreateMs')::float8 = 0;

DROP FUNCTION pg_temp.fleetbench_comparability_key(jsonb);
