-- Traffic flow: vehicle passes per checkpoint per 1-minute event-time window.
--
-- Run with the SQL runner (deploy/sql-runner), which replaces ${NAME}:
--   SqlRunner traffic.sql TRAFFIC_INPUT=/abs/input TRAFFIC_OUTPUT=/abs/output
-- Input: the CSV files of deploy/traffic/generate.py, one per collector.
-- Output: TRAFFIC_OUTPUT/flow (the counts) and TRAFFIC_OUTPUT/rejects (every
-- pass that is in no count, with the reason). README.md explains the rules;
-- verify.py checks the output against them.

SET 'execution.runtime-mode' = 'streaming';
SET 'pipeline.name' = 'traffic-flow';
-- One source reader per collector file. A collector file is one ordered stream
-- (like a Kafka partition); a reader that went on to a second file would see it
-- behind its own watermark. Needs 4 task slots.
SET 'table.exec.resource.default-parallelism' = '4';

CREATE TABLE passes (
  pass_id       BIGINT,
  checkpoint_id STRING,
  plate         STRING,
  speed_kmh     INT,
  event_ts      TIMESTAMP(3),  -- when the camera saw the vehicle (the camera's clock)
  ingest_ts     TIMESTAMP(3),  -- when the collector received the record (the collector's clock)
  -- The event time of the windows. A future-dated pass (camera clock more than
  -- 1 minute ahead of the collector) gets the epoch instead: the watermark is
  -- the largest rowtime seen minus 5 minutes, so the epoch can never move it.
  -- This happens in the source table, before the watermark is computed; a WHERE
  -- in a query would come after it, too late.
  rowtime AS CASE
    WHEN event_ts > ingest_ts + INTERVAL '1' MINUTE THEN TIMESTAMP '1970-01-01 00:00:00.000'
    ELSE event_ts END,
  -- 5 minutes > 1 minute (future allowance) + 3 minutes (lateness allowance):
  -- within a collector file, which is in ingest order, the watermark can never
  -- pass an accepted pass. README.md has the argument.
  WATERMARK FOR rowtime AS rowtime - INTERVAL '5' MINUTE
) WITH (
  'connector' = 'filesystem',
  'path' = '${TRAFFIC_INPUT}',
  'format' = 'csv'
);

-- Every pass gets a verdict from its own two timestamps, so the verdict does not
-- depend on the order in which files are read, on parallelism or on restarts.
-- 'behind-watermark' is the safety net that keeps the window from dropping a
-- pass silently: it cannot happen with the rules above and input in ingest order
-- per file, and verify.py fails the run if it does.
CREATE TEMPORARY VIEW classified AS
SELECT
  pass_id, checkpoint_id, event_ts, ingest_ts, rowtime,
  CASE
    WHEN event_ts > ingest_ts + INTERVAL '1' MINUTE THEN 'future'
    WHEN event_ts < ingest_ts - INTERVAL '3' MINUTE THEN 'late'
    WHEN CURRENT_WATERMARK(rowtime) >= FLOOR(rowtime TO MINUTE) + INTERVAL '59.999' SECOND
      THEN 'behind-watermark'
    ELSE 'counted'
  END AS verdict
FROM passes;

CREATE TABLE flow (
  checkpoint_id STRING,
  window_start  TIMESTAMP(3),
  window_end    TIMESTAMP(3),
  passes        BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = '${TRAFFIC_OUTPUT}/flow',
  'format' = 'csv'
);

CREATE TABLE rejects (
  reason        STRING,
  pass_id       BIGINT,
  checkpoint_id STRING,
  event_ts      TIMESTAMP(3),
  ingest_ts     TIMESTAMP(3)
) WITH (
  'connector' = 'filesystem',
  'path' = '${TRAFFIC_OUTPUT}/rejects',
  'format' = 'csv'
);

CREATE TEMPORARY VIEW counted AS
SELECT checkpoint_id, rowtime FROM classified WHERE verdict = 'counted';

INSERT INTO flow
SELECT checkpoint_id, window_start, window_end, COUNT(*) AS passes
FROM TABLE(TUMBLE(TABLE counted, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))
GROUP BY checkpoint_id, window_start, window_end;

INSERT INTO rejects
SELECT verdict, pass_id, checkpoint_id, event_ts, ingest_ts
FROM classified
WHERE verdict <> 'counted';
