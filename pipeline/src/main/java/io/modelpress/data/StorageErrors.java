package io.modelpress.data;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cause and the fix of a failed file-system call, on one line: the exceptions of Hadoop's S3A
 * client carry the whole AWS SDK message twice over, which says neither. Unreachable stores, refused
 * credentials and missing buckets get their own wording; anything else keeps its first message line.
 * No credential ever appears: S3A's messages hold none, and the wording here adds only key names.
 */
public final class StorageErrors {

  private static final Pattern CONNECT = Pattern.compile("Connect to (\\S+)[^:]*failed: ([^:]+)");
  private static final Pattern BUCKET = Pattern.compile("s3a://([^/:`'\\s]+)");

  private StorageErrors() {}

  /** Why {@code e} happened and what to do, e.g. {@code access denied (403 Forbidden); check the credentials ...}. */
  public static String explain(Throwable e) {
    String all = chain(e);
    String lower = all.toLowerCase(Locale.ROOT);
    Matcher connect = CONNECT.matcher(all);
    if (connect.find()) {
      return "the store does not answer (connect to " + connect.group(1) + " failed: " + connect.group(2).strip()
          + "); check fs.s3a.endpoint and that the store is up";
    }
    if (lower.contains("unknownhostexception") || lower.contains("connecttimeout") || lower.contains("connect timed out")) {
      return "the store does not answer (" + firstLine(e) + "); check fs.s3a.endpoint and the network";
    }
    if (lower.contains("nosuchbucket") || lower.contains("bucket does not exist") || lower.contains("unknownstoreexception")) {
      Matcher b = BUCKET.matcher(all);
      return "bucket '" + (b.find() ? b.group(1) : "?") + "' does not exist (404 NoSuchBucket); create it or fix the path";
    }
    if (lower.contains("status code: 403") || lower.contains("403 forbidden") || lower.contains("accessdenied")
        || lower.contains("invalidaccesskeyid") || lower.contains("signaturedoesnotmatch")) {
      return "S3 refused the request (403 access denied); check the credentials (AWS_ACCESS_KEY_ID and "
          + "AWS_SECRET_ACCESS_KEY, or fs.s3a.access.key and fs.s3a.secret.key) and the bucket's policy";
    }
    if (lower.contains("nocredentialsexception") || lower.contains("no aws credentials")) {
      return "no S3 credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or fs.s3a.access.key "
          + "and fs.s3a.secret.key, or an instance role)";
    }
    return firstLine(e);
  }

  private static String chain(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null && s.length() < 20_000; t = t.getCause() == t ? null : t.getCause()) {
      s.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return s.toString();
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse("").strip();
  }
}
