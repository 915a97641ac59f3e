package dev.isola.internal.capability.component;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The credential one Isola node presents to another with a component call: {@code
 * v1.<expiry, epoch seconds>.<HMAC-SHA256, base64url>} in the {@value #HEADER} header. The MAC,
 * under the key both nodes share ({@code Isola.Builder.nodeKey}), covers the expiry, the component,
 * the method and target, the call depth, the time left, the request id and a SHA-256 of the body, so
 * a token proves which peer sent which call and cannot be moved to another call; it expires {@link
 * #LIFETIME_SECONDS} after it was made. Replaying the same call within that window is possible for
 * whoever can read the traffic: send node-to-node calls over TLS (mutual TLS in production, see
 * docs/DEPLOYMENT.md).
 */
public final class NodeToken {
  /** The header that carries the token. */
  public static final String HEADER = "Isola-Node-Token";
  /** How long a token is accepted after it was made. */
  public static final long LIFETIME_SECONDS = 60;
  /** Clock difference between nodes a token's expiry tolerates. */
  static final long SKEW_SECONDS = 30;
  /** The shortest node key, in bytes. */
  public static final int MIN_KEY_BYTES = 32;

  private final SecretKeySpec key;
  private final Clock clock;

  /** @throws IllegalArgumentException if {@code key} is shorter than {@value #MIN_KEY_BYTES} bytes */
  public NodeToken(byte[] key, Clock clock) {
    if (key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException("the node key has " + key.length + " bytes; it needs at least "
          + MIN_KEY_BYTES + " random bytes (e.g. the output of `openssl rand -base64 48`)");
    }
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.clock = clock;
  }

  /** What a token covers. */
  public record Claims(String component, String method, String target, int depth, long timeoutMillis,
      String requestId, byte[] body) {}

  /** A token for {@code claims}, valid for {@link #LIFETIME_SECONDS}. */
  public String sign(Claims claims) {
    long expires = clock.instant().getEpochSecond() + LIFETIME_SECONDS;
    return "v1." + expires + "." + mac(expires, claims);
  }

  /**
   * Why {@code token} does not authenticate {@code claims} (for the log; never the key or the expected
   * MAC), or null if it does.
   */
  public @Nullable String problem(@Nullable String token, Claims claims) {
    if (token == null || token.isEmpty()) {
      return "no " + HEADER + " header";
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || !parts[0].equals("v1")) {
      return "a malformed " + HEADER + " (expected v1.<expiry>.<mac>)";
    }
    long expires;
    try {
      expires = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return "a malformed expiry in " + HEADER;
    }
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return "a malformed MAC in " + HEADER;
    }
    byte[] expected = Base64.getUrlDecoder().decode(mac(expires, claims));
    if (!MessageDigest.isEqual(given, expected)) {
      return "a token that does not match this call under this node's key (another key, or a changed call)";
    }
    long now = clock.instant().getEpochSecond();
    if (now > expires + SKEW_SECONDS) {
      return "a token that expired " + (now - expires) + " s ago";
    }
    if (expires - now > LIFETIME_SECONDS + SKEW_SECONDS) {
      return "a token whose expiry is " + (expires - now) + " s ahead, more than a token lives";
    }
    return null;
  }

  private String mac(long expires, Claims c) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] bodyHash = MessageDigest.getInstance("SHA-256").digest(c.body());
      String text = "isola-node-call\nv1\n" + expires + "\n" + c.component() + "\n" + c.method() + "\n" + c.target()
          + "\n" + c.depth() + "\n" + c.timeoutMillis() + "\n" + c.requestId() + "\n"
          + Base64.getUrlEncoder().withoutPadding().encodeToString(bodyHash);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("this JVM lacks HmacSHA256 or SHA-256, which every Java SE JVM has", e);
    }
  }
}
