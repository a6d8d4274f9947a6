SET 'pipeline.name' = 'sql-runner-test; ok';
CREATE TABLE t (a INT) WITH ('connector' = 'datagen', 'number-of-rows' = '${ROWS}');
CREATE TABLE s (a INT) WITH ('connector' = 'blackhole');
CREATE TABLE p (a INT) WITH ('connector' = 'print');
INSERT INTO s SELECT a FROM t;
INSERT INTO p SELECT 42 FROM t WHERE a IS NULL;
