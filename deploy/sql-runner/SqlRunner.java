/*
 * SqlRunner: runs a Flink SQL script as one Flink application.
 *
 *   java -cp "$FLINK_HOME/lib/*:sql-runner.jar" org.flinkctl.sql.SqlRunner SCRIPT.sql [NAME=VALUE]...
 *
 * or, as the job of an application-mode JobManager:
 *
 *   ... StandaloneApplicationClusterEntryPoint --configDir CONF \
 *       --job-classname org.flinkctl.sql.SqlRunner SCRIPT.sql [NAME=VALUE]...
 *
 * or in a session cluster's JobManager, through Flink's REST API (POST
 * /jars/{id}/run with programArgs "--session SCRIPT.sql ..."): the job is
 * submitted and not waited for, and a failure is thrown rather than ending the
 * JVM, so that it becomes the REST answer and the session goes on.
 *
 * The script is split into statements at semicolons that are outside quotes
 * ('...', "...", `...`; a doubled quote stands for itself) and comments (-- to
 * end of line, slash-star to star-slash), and comments are taken out.
 * Then, in order:
 *   SET 'key' = 'value'   sets the key in the table configuration
 *   RESET 'key'           removes it again
 *   INSERT ...            is added to one StatementSet (validated right away)
 *   SELECT / SHOW / ...   runs and prints its result
 *   anything else         goes to TableEnvironment.executeSql (CREATE, DROP, USE, ...)
 * After the last statement the StatementSet runs as ONE job and the runner waits
 * for it to end. `BEGIN STATEMENT SET;` / `END;` and `EXECUTE STATEMENT SET BEGIN
 * ... END;` are accepted and change nothing: all INSERTs form one set anyway.
 *
 * `${NAME}` in a statement is replaced by the NAME=VALUE argument, else by the
 * environment variable NAME; a name with neither is an error. A SET of
 * 'execution.runtime-mode' anywhere in the script picks the planner mode.
 *
 * With high availability, a new JobManager attempt runs this main again. When
 * Flink recovered the application's job from the HA store, it resumes that
 * stored job and ignores the pipeline the program builds; so the runner does
 * not plan the SQL again (seconds of a recovery) and hands Flink a one-element
 * pipeline of the recovered job's name instead. When nothing was recovered
 * (the attempt before died before submitting its job), the script runs as on a
 * first start.
 *
 * Exit status: 0 the job finished (or the script had no INSERT), 1 the job
 * failed, 2 usage error or a statement Flink rejected. Errors print Flink's own
 * message (and its causes, one per line) to stderr, never a stack trace of ours.
 *
 * `--split SCRIPT` only prints the statements as the runner sees them (no Flink
 * needed); the project's tests use it for the splitter.
 */
package org.flinkctl.sql;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class SqlRunner {

    static final int EXIT_JOB_FAILED = 1;
    static final int EXIT_INPUT_ERROR = 2;

    private static final String TAG = "sql-runner: ";

    /** One statement of the script: its text (from its first token) and where it starts. */
    static final class Statement {
        final String text;
        final int line;
        final int index;

        Statement(String text, int line, int index) {
            this.text = text;
            this.line = line;
            this.index = index;
        }

        String where() {
            return "statement " + index + " (line " + line + ")";
        }
    }

    /** A problem with the script or its arguments; the runner exits with EXIT_INPUT_ERROR. */
    static final class ScriptException extends Exception {
        ScriptException(String message) {
            super(message);
        }
    }

    private SqlRunner() {}

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--split")) {
            try {
                for (Statement s : split(read(args[1]))) {
                    System.out.println("-- " + s.where());
                    System.out.println(s.text + ";");
                }
            } catch (ScriptException e) {
                fail(EXIT_INPUT_ERROR, e.getMessage());
            }
            return;
        }
        if (args.length >= 2 && args[0].equals("--session")) {
            // Inside a session cluster's JobManager (POST /jars/{id}/run): the
            // job is submitted and left running, and an error is thrown so that
            // Flink answers the request with it; the JobManager must not exit.
            session = true;
            int status = run(java.util.Arrays.copyOfRange(args, 1, args.length));
            if (status != 0) {
                throw new IllegalArgumentException(lastError);
            }
            return;
        }
        if (args.length < 1 || args[0].startsWith("-")) {
            fail(
                    EXIT_INPUT_ERROR,
                    "usage: SqlRunner SCRIPT.sql [NAME=VALUE]...  |  SqlRunner --session SCRIPT.sql [NAME=VALUE]...  |  SqlRunner --split SCRIPT.sql");
        }
        int status = run(args);
        if (status != 0) {
            // Statement errors and job failures end the process with a status the
            // caller can test, also when this main runs inside an application-mode
            // JobManager (its JVM then exits with this status).
            System.out.flush();
            System.err.flush();
            System.exit(status);
        }
    }

    static int run(String[] args) {
        final List<Statement> statements;
        final Map<String, String> vars = new LinkedHashMap<>();
        try {
            for (int i = 1; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                if (eq <= 0 || !isName(args[i].substring(0, eq))) {
                    throw new ScriptException(
                            "argument '" + args[i] + "' is not NAME=VALUE (NAME: letters, digits, _)");
                }
                vars.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
            statements = split(read(args[0]));
        } catch (ScriptException e) {
            return report(EXIT_INPUT_ERROR, e.getMessage());
        }
        if (statements.isEmpty()) {
            return report(EXIT_INPUT_ERROR, args[0] + ": no SQL statements");
        }
        if (!session) {
            Integer recovered = recoverStoredJob();
            if (recovered != null) {
                return recovered;
            }
        }

        List<String> texts = new ArrayList<>();
        for (Statement s : statements) {
            try {
                texts.add(substitute(s.text, vars));
            } catch (ScriptException e) {
                return report(EXIT_INPUT_ERROR, s.where() + ": " + e.getMessage());
            }
        }

        EnvironmentSettings.Builder settings = EnvironmentSettings.newInstance();
        if ("batch".equalsIgnoreCase(runtimeMode(texts))) {
            settings.inBatchMode();
        } else {
            settings.inStreamingMode();
        }

        final TableEnvironment tEnv;
        try {
            tEnv = TableEnvironment.create(settings.build());
        } catch (RuntimeException e) {
            return report(EXIT_INPUT_ERROR, "cannot create the table environment" + causes(e));
        }

        StatementSet inserts = tEnv.createStatementSet();
        int insertCount = 0;
        for (int i = 0; i < statements.size(); i++) {
            Statement s = statements.get(i);
            String sql = texts.get(i);
            String keyword = firstWord(sql);
            try {
                switch (keyword) {
                    case "SET":
                        applySet(tEnv, sql);
                        break;
                    case "RESET":
                        applyReset(tEnv, sql);
                        break;
                    case "BEGIN":
                    case "END":
                        if (!isStatementSetMarker(sql)) {
                            tEnv.executeSql(sql);
                        }
                        break;
                    case "EXECUTE":
                        String inner = stripExecuteStatementSet(sql);
                        if (inner == null) {
                            tEnv.executeSql(sql);
                        } else {
                            inserts.addInsertSql(inner);
                            insertCount++;
                        }
                        break;
                    case "INSERT":
                        inserts.addInsertSql(sql);
                        insertCount++;
                        break;
                    case "SELECT":
                    case "WITH":
                    case "VALUES":
                    case "SHOW":
                    case "DESCRIBE":
                    case "DESC":
                    case "EXPLAIN":
                        tEnv.executeSql(sql).print();
                        break;
                    default:
                        tEnv.executeSql(sql);
                }
            } catch (ScriptException e) {
                return report(EXIT_INPUT_ERROR, s.where() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                return report(
                        EXIT_INPUT_ERROR,
                        s.where() + " was rejected by Flink:" + causes(e) + "\n  statement: "
                                + abbreviate(sql));
            }
            System.out.println(TAG + s.where() + " ok: " + abbreviate(sql));
        }

        if (insertCount == 0) {
            System.out.println(TAG + "no INSERT statements, nothing to run");
            return 0;
        }
        final TableResult result;
        try {
            result = inserts.execute();
        } catch (Exception e) {
            return report(EXIT_JOB_FAILED, "the job failed:" + causes(e));
        }
        String jobId = result.getJobClient().map(JobClient::getJobID).map(Object::toString).orElse("?");
        System.out.println(TAG + "job " + jobId + " submitted with " + insertCount + " INSERT(s)");
        if (session) {
            return 0;
        }
        return awaitJob(jobId, result::await);
    }

    /** Something that returns when the job has ended, and throws when it failed. */
    private interface JobEnd {
        void await() throws Exception;
    }

    /** Waits for the job to end: 0 when it finished, else its failure, reported. */
    private static int awaitJob(String jobId, JobEnd end) {
        try {
            end.await();
            System.out.println(TAG + "job " + jobId + " finished");
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return report(EXIT_JOB_FAILED, "interrupted while waiting for the job");
        } catch (Exception e) {
            return report(EXIT_JOB_FAILED, "the job failed:" + causes(e));
        }
    }

    // ---------------------------------------------------------------- recovery

    /**
     * When this JobManager took over an application whose job Flink recovered
     * (from the HA store, or as already ended), hands Flink that job back without
     * planning the SQL, and waits for it: the exit status. Null when there is no
     * such job, so the script must run.
     */
    static Integer recoverStoredJob() {
        final StreamExecutionEnvironment env;
        final JobID stored;
        final String name;
        try {
            env = StreamExecutionEnvironment.getExecutionEnvironment();
            Optional<String> fixed =
                    env.getConfiguration().getOptional(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID);
            if (fixed.isEmpty()) {
                return null; // no HA: nothing is ever recovered
            }
            stored = JobID.fromHexString(fixed.get());
            name = recoveredJobName(env, stored);
        } catch (RuntimeException e) {
            System.out.println(TAG + "cannot tell whether a job was recovered, planning the SQL:" + causes(e));
            return null;
        }
        if (name == null) {
            return null;
        }
        System.out.println(
                TAG + "job " + stored + " was recovered from the HA store: resuming it without planning the SQL again");
        // Flink gives a pipeline the id of the recovered job of the same name,
        // and for a recovered id it resumes the stored job and ignores the
        // pipeline, so this one only carries the name.
        env.fromSequence(0, 0).sinkTo(new DiscardingSink<>());
        final JobClient client;
        try {
            client = env.executeAsync(name);
        } catch (Exception e) {
            return report(EXIT_JOB_FAILED, "the job failed:" + causes(e));
        }
        if (!client.getJobID().equals(stored)) {
            return report(EXIT_JOB_FAILED, "expected to resume job " + stored + ", got " + client.getJobID());
        }
        return awaitJob(stored.toString(), () -> client.getJobExecutionResult().get());
    }

    /**
     * The name of the recovered job `id`, as Flink's application environment
     * holds it (its JobNameBasedJobIdManager maps the names of the jobs it
     * recovered to their ids, and gives the next pipeline of a name the first
     * id of that name), or null when `id` is not the next id of any recovered
     * name. Flink has no public accessor for it; if its fields change, this is
     * null and the SQL is planned as on a first start.
     */
    static String recoveredJobName(StreamExecutionEnvironment env, JobID id) {
        try {
            Object manager = field(env, "jobIdManager");
            Map<?, ?> byName = (Map<?, ?>) field(manager, "recoveredJobNameToJobIds");
            for (Map.Entry<?, ?> entry : byName.entrySet()) {
                java.util.Iterator<?> ids = ((java.util.Collection<?>) entry.getValue()).iterator();
                if (ids.hasNext() && id.equals(ids.next())) {
                    return (String) entry.getKey();
                }
            }
            return null;
        } catch (ReflectiveOperationException | ClassCastException e) {
            return null;
        }
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                java.lang.reflect.Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(owner.getClass().getName() + "." + name);
    }

    // ---------------------------------------------------------------- splitting

    /** Splits a script into statements; see the class comment for the rules. */
    static List<Statement> split(String script) throws ScriptException {
        List<Statement> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean hasCode = false; // current holds something besides whitespace and comments
        int startLine = 1;
        int line = 1;
        int n = script.length();
        int i = 0;
        while (i < n) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') { // line comment
                int end = script.indexOf('\n', i);
                i = end < 0 ? n : end; // the comment goes, its newline stays
            } else if (c == '/' && next == '*') { // block comment
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new ScriptException("line " + line + ": comment /* is never closed");
                }
                // The comment becomes a space, or its newlines, so that Flink's
                // "line L, column C" still counts lines from the statement's start.
                int newlines = count(script.substring(i, end + 2), '\n');
                if (hasCode) {
                    current.append(newlines == 0 ? " " : "\n".repeat(newlines));
                }
                line += newlines;
                i = end + 2;
            } else if (c == '\'' || c == '"' || c == '`') { // quoted: a doubled quote escapes it
                int open = line;
                int j = i + 1;
                while (true) {
                    if (j >= n) {
                        throw new ScriptException(
                                "line " + open + ": quote " + c + " is never closed");
                    }
                    char d = script.charAt(j);
                    if (d == '\n') {
                        line++;
                    }
                    if (d == c) {
                        if (j + 1 < n && script.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                if (!hasCode) {
                    startLine = open;
                    hasCode = true;
                }
                current.append(script, i, j + 1);
                i = j + 1;
            } else if (c == ';') {
                if (hasCode) {
                    out.add(new Statement(current.toString().trim(), startLine, out.size() + 1));
                }
                current.setLength(0);
                hasCode = false;
                i++;
            } else {
                if (c == '\n') {
                    line++;
                }
                if (!Character.isWhitespace(c) && !hasCode) {
                    startLine = line;
                    hasCode = true;
                }
                if (hasCode) {
                    current.append(c);
                }
                i++;
            }
        }
        if (hasCode) {
            out.add(new Statement(current.toString().trim(), startLine, out.size() + 1));
        }
        return out;
    }

    // ---------------------------------------------------------------- statements

    private static final Pattern SET =
            Pattern.compile(
                    "SET(?:\\s+(?<key>'(?:[^']|'')*'|[^\\s=']+)\\s*=\\s*(?<value>'(?:[^']|'')*'|.*?))?\\s*",
                    Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern RESET =
            Pattern.compile(
                    "RESET(?:\\s+(?<key>'(?:[^']|'')*'|[^\\s']+))?\\s*",
                    Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private static void applySet(TableEnvironment tEnv, String sql) throws ScriptException {
        Matcher m = SET.matcher(sql);
        if (!m.matches()) {
            throw new ScriptException("expected SET 'key' = 'value', got: " + abbreviate(sql));
        }
        if (m.group("key") == null) {
            tEnv.getConfig().getConfiguration().toMap().forEach(
                    (k, v) -> System.out.println(TAG + "  " + k + " = " + v));
            return;
        }
        String key = unquote(m.group("key"));
        String value = unquote(m.group("value"));
        if (key.isEmpty() || value.isEmpty()) {
            throw new ScriptException("SET needs a key and a value: " + abbreviate(sql));
        }
        tEnv.getConfig().set(key, value);
    }

    private static void applyReset(TableEnvironment tEnv, String sql) throws ScriptException {
        Matcher m = RESET.matcher(sql);
        if (!m.matches() || m.group("key") == null) {
            throw new ScriptException("expected RESET 'key', got: " + abbreviate(sql));
        }
        tEnv.getConfig()
                .getConfiguration()
                .removeConfig(ConfigOptions.key(unquote(m.group("key"))).stringType().noDefaultValue());
    }

    /** The value of the last SET 'execution.runtime-mode' in the script, or null. */
    static String runtimeMode(List<String> statements) {
        String mode = null;
        for (String sql : statements) {
            Matcher m = SET.matcher(sql);
            if (firstWord(sql).equals("SET") && m.matches() && m.group("key") != null
                    && unquote(m.group("key")).equals("execution.runtime-mode")) {
                mode = unquote(m.group("value"));
            }
        }
        return mode;
    }

    private static final Pattern STATEMENT_SET_MARKER =
            Pattern.compile("(BEGIN\\s+STATEMENT\\s+SET|END)\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern EXECUTE_STATEMENT_SET =
            Pattern.compile(
                    "EXECUTE\\s+STATEMENT\\s+SET\\s+BEGIN\\s+(.*)",
                    Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private static boolean isStatementSetMarker(String sql) {
        return STATEMENT_SET_MARKER.matcher(sql).matches();
    }

    /** For `EXECUTE STATEMENT SET BEGIN INSERT ...` the INSERT, else null. */
    private static String stripExecuteStatementSet(String sql) {
        Matcher m = EXECUTE_STATEMENT_SET.matcher(sql);
        return m.matches() ? m.group(1) : null;
    }

    // ---------------------------------------------------------------- helpers

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");

    static String substitute(String sql, Map<String, String> vars) throws ScriptException {
        Matcher m = VARIABLE.matcher(sql);
        StringBuilder out = new StringBuilder();
        Set<String> missing = new LinkedHashSet<>();
        while (m.find()) {
            String name = m.group(1);
            String value = vars.containsKey(name) ? vars.get(name) : System.getenv(name);
            if (value == null) {
                missing.add(name);
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new ScriptException(
                    "no value for ${" + String.join("}, ${", missing)
                            + "}: pass NAME=VALUE after the script or set the environment variable");
        }
        return out.toString();
    }

    private static boolean isName(String s) {
        return s.matches("[A-Za-z_][A-Za-z0-9_]*");
    }

    static String firstWord(String sql) {
        int end = 0;
        while (end < sql.length() && Character.isLetter(sql.charAt(end))) {
            end++;
        }
        return sql.substring(0, end).toUpperCase(Locale.ROOT);
    }

    private static String unquote(String s) {
        s = s.trim();
        if (s.length() >= 2 && s.startsWith("'") && s.endsWith("'")) {
            return s.substring(1, s.length() - 1).replace("''", "'");
        }
        return s;
    }

    private static String read(String file) throws ScriptException {
        Path path = Paths.get(file);
        try {
            return new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScriptException("cannot read SQL script " + path.toAbsolutePath() + ": " + e);
        }
    }

    private static int count(String s, char c) {
        int k = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }

    private static String abbreviate(String sql) {
        String one = sql.replaceAll("\\s+", " ").trim();
        return one.length() <= 100 ? one : one.substring(0, 97) + "...";
    }

    /** The messages of a throwable and its causes, one per line, repeats left out. */
    static String causes(Throwable t) {
        StringBuilder out = new StringBuilder();
        List<String> seen = new ArrayList<>();
        for (int depth = 0; t != null && depth < 12; t = t.getCause(), depth++) {
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                message = t.getClass().getName();
            }
            message = message.trim();
            boolean repeated = false;
            for (String s : seen) {
                if (s.contains(message)) {
                    repeated = true;
                    break;
                }
            }
            if (repeated) {
                continue;
            }
            seen.add(message);
            out.append(depth == 0 ? "\n  " : "\n  caused by: ").append(message.replace("\n", "\n    "));
        }
        return out.toString();
    }

    /** Set by --session: submit and return, never exit the JVM. */
    private static boolean session = false;

    /** The last error reported, for the exception --session throws. */
    private static String lastError = "";

    private static int report(int status, String message) {
        System.err.println(TAG + message);
        lastError = message;
        return status;
    }

    private static void fail(int status, String message) {
        System.err.println(TAG + message);
        System.exit(status);
    }
}
