CREATE TABLE t (a INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TABLE s (a INT) WITH ('connector' = 'blackhole');
-- the column is called a
INSERT INTO s SELECT b FROM t;
