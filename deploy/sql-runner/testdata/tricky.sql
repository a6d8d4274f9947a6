-- leading comment; with a semicolon
SET 'table.exec.resource.default-parallelism' = '4'; /* block; comment */
CREATE TABLE t (a STRING, `we;ird` INT) WITH ('connector' = 'datagen', 'x' = 'it''s; fine');
/* multi
   line; */ INSERT INTO s SELECT 'a;b', "c;d" -- trailing; comment
FROM t;
EXECUTE STATEMENT SET BEGIN INSERT INTO s SELECT 1; END;
;; -- empty statements are skipped
SELECT '/* not a comment */', 'x--y' /* a; comment */ FROM t;
SET 'pipeline.name' = 'a -- not a comment; ''quoted''' -- no final semicolon
