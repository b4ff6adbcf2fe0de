package io.modelpress.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The one-line causes of S3A failures, from the messages S3A 3.3.4 gave against a real S3 server. */
class StorageErrorsTest {

  @Test
  void unreachableRefusedAndMissingBucketEachSayWhatToFix() {
    IOException refused = new IOException("getFileStatus on s3a://b/out: com.amazonaws.SdkClientException: Unable to "
        + "execute HTTP request: Connect to 127.0.0.1:39699 [/127.0.0.1] failed: Connection refused: Unable to execute "
        + "HTTP request: Connect to 127.0.0.1:39699 [/127.0.0.1] failed: Connection refused");
    assertThat(StorageErrors.explain(refused)).isEqualTo("the store does not answer (connect to 127.0.0.1:39699 "
        + "failed: Connection refused); check fs.s3a.endpoint and that the store is up");
    IOException forbidden = new java.nio.file.AccessDeniedException("s3a://b/out: getFileStatus on s3a://b/out: "
        + "com.amazonaws.services.s3.model.AmazonS3Exception: Forbidden (Service: Amazon S3; Status Code: 403; Error "
        + "Code: 403 Forbidden; Request ID: 4442587FB7D0A2F9)");
    assertThat(StorageErrors.explain(forbidden)).startsWith("S3 refused the request (403 access denied); check the "
        + "credentials");
    IOException bucket = new IOException("`s3a://no-such-7/out': getFileStatus on s3a://no-such-7/out: "
        + "com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist (Service: Amazon S3; "
        + "Status Code: 404; Error Code: NoSuchBucket)");
    assertThat(StorageErrors.explain(bucket)).isEqualTo("bucket 'no-such-7' does not exist (404 NoSuchBucket); create "
        + "it or fix the path");
    // the cause chain counts: S3A wraps the SDK's exception
    IOException wrapped = new IOException("doesBucketExist on b", new RuntimeException("Connect to s3.local:9000 "
        + "[s3.local/10.0.0.2] failed: connect timed out"));
    assertThat(StorageErrors.explain(wrapped)).startsWith("the store does not answer (connect to s3.local:9000 failed");
    assertThat(StorageErrors.explain(new IOException("Permission denied\nat line 2"))).isEqualTo("Permission denied");
  }
}
